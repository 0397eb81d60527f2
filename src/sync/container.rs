//! The container of every sync file: a canonical POSIX ustar archive.
//!
//! Standard tools read it (`tar tvf bundle.bangfu`, `tar xf …`), but bangfu
//! accepts only the exact bytes it writes itself: the expected member names in
//! the expected order, regular files only, every header field canonical (mode
//! 0644, owner 0, time 0, no names of users), zero padding, and exactly the two
//! zero blocks that end an archive with nothing after them. So a name with a
//! path (`../x`, `/etc/x`, `a/b`), a link, a device file, a changed byte in a
//! header or in padding, a truncated file or trailing data are each rejected
//! with a message that says which. Nothing is ever extracted to disk: members
//! are read into memory (small ones) or streamed (the payload).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// Size of a tar block.
pub const BLOCK: u64 = 512;

/// Why a container was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    /// The file ends before the structure does.
    #[error("文件不完整（被截断）：至少应有 {expected} 字节，实际只有 {actual} 字节")]
    Truncated {
        /// Bytes needed.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// Not a tar archive at all.
    #[error("不是 bangfu 文件（第 {offset} 字节处应为 tar 文件头）")]
    NotTar {
        /// Offset of the header.
        offset: u64,
    },
    /// A member name with a path in it: path traversal or a folder.
    #[error("含有带路径的文件名“{0}”（路径穿越或目录）")]
    PathInName(String),
    /// A link, device, folder or other non-regular member.
    #[error("文件“{name}”不是普通文件（类型 {kind}：链接、目录或特殊文件）")]
    NotRegular {
        /// Member name.
        name: String,
        /// Type flag, printable.
        kind: String,
    },
    /// A member that should not be there, or in the wrong place.
    #[error("含有不应有的文件“{found}”（此处应为“{expected}”）")]
    Unexpected {
        /// Name found.
        found: String,
        /// Name expected.
        expected: String,
    },
    /// Fewer members than the kind needs.
    #[error("缺少文件“{0}”")]
    Missing(String),
    /// A member larger than its kind allows.
    #[error("文件“{name}”有 {size} 字节，超过上限 {limit} 字节")]
    TooLarge {
        /// Member name.
        name: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A header whose bytes differ from the canonical header for its name and size.
    #[error("文件“{0}”的 tar 文件头被改动（校验和或字段不符）")]
    HeaderAltered(String),
    /// Non-zero bytes in padding or in the end blocks.
    #[error("第 {0} 字节处的填充数据被改动")]
    PaddingAltered(u64),
    /// Bytes after the end of the archive.
    #[error("文件末尾有 {0} 字节多余数据")]
    TrailingData(u64),
    /// Reading failed.
    #[error("读取失败：{0}")]
    Io(String),
}

/// One member found in a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Offset of its content in the file.
    pub offset: u64,
    /// Length of its content.
    pub size: u64,
}

fn padded(size: u64) -> u64 {
    size.div_ceil(BLOCK) * BLOCK
}

/// Total length of a container holding members of these sizes.
pub fn total_len(sizes: &[u64]) -> u64 {
    sizes.iter().map(|s| BLOCK + padded(*s)).sum::<u64>() + 2 * BLOCK
}

fn octal(field: &mut [u8], value: u64) {
    // width-1 octal digits, then NUL.
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
}

/// The canonical ustar header for a regular file `name` of `size` bytes.
///
/// `name` must be a plain ASCII name of at most 100 bytes (checked by callers).
pub fn header(name: &str, size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    let n = name.as_bytes();
    let len = n.len().min(100);
    h[..len].copy_from_slice(&n[..len]);
    octal(&mut h[100..108], 0o644);
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 0);
    h[148..156].copy_from_slice(b"        ");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    octal(&mut h[329..337], 0);
    octal(&mut h[337..345], 0);
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

/// Writes a container of `members` (name, content) to `out`.
pub fn write(out: &mut impl Write, members: &[(&str, &[u8])]) -> std::io::Result<()> {
    let zeros = [0u8; 512];
    for (name, data) in members {
        out.write_all(&header(name, data.len() as u64))?;
        out.write_all(data)?;
        let pad = (padded(data.len() as u64) - data.len() as u64) as usize;
        out.write_all(&zeros[..pad])?;
    }
    out.write_all(&zeros)?;
    out.write_all(&zeros)?;
    Ok(())
}

/// Builds a container in memory.
pub fn to_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
    let sizes: Vec<u64> = members.iter().map(|(_, d)| d.len() as u64).collect();
    let mut out = Vec::with_capacity(total_len(&sizes) as usize);
    // Writing to a Vec cannot fail.
    let _ = write(&mut out, members);
    out
}

fn cstr(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let digits = cstr(field);
    if digits.is_empty() || digits.len() != field.len() - 1 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| match d {
        b'0'..=b'7' => acc.checked_mul(8)?.checked_add(u64::from(d - b'0')),
        _ => None,
    })
}

fn read_at(file: &mut File, offset: u64, buf: &mut [u8]) -> Result<(), ContainerError> {
    file.seek(SeekFrom::Start(offset))
        .and_then(|_| file.read_exact(buf))
        .map_err(|e| ContainerError::Io(e.to_string()))
}

fn check_zero(file: &mut File, offset: u64, len: u64) -> Result<(), ContainerError> {
    if len == 0 {
        return Ok(());
    }
    let mut buf = vec![0u8; len as usize];
    read_at(file, offset, &mut buf)?;
    match buf.iter().position(|&b| b != 0) {
        Some(i) => Err(ContainerError::PaddingAltered(offset + i as u64)),
        None => Ok(()),
    }
}

/// Reads the structure of the container in `file` (`file_len` bytes long),
/// which must hold exactly the `expected` members (name, size limit) in order.
///
/// Only headers, padding and the end blocks are read; contents are left for
/// the caller.
pub fn read_layout(
    file: &mut File,
    file_len: u64,
    expected: &[(&str, u64)],
) -> Result<Vec<Member>, ContainerError> {
    let mut members = Vec::with_capacity(expected.len());
    let mut pos = 0u64;
    let need = |expected: u64| -> Result<(), ContainerError> {
        if expected > file_len {
            Err(ContainerError::Truncated {
                expected,
                actual: file_len,
            })
        } else {
            Ok(())
        }
    };
    for (want, limit) in expected {
        need(pos + BLOCK)?;
        let mut h = [0u8; 512];
        read_at(file, pos, &mut h)?;
        if h.iter().all(|&b| b == 0) {
            return Err(ContainerError::Missing((*want).to_owned()));
        }
        if &h[257..263] != b"ustar\0" {
            return Err(ContainerError::NotTar { offset: pos });
        }
        let mut name_bytes = cstr(&h[345..500]).to_vec();
        if !name_bytes.is_empty() {
            name_bytes.push(b'/');
        }
        name_bytes.extend_from_slice(cstr(&h[..100]));
        let name = printable(&name_bytes);
        if name_bytes.contains(&b'/')
            || name_bytes.contains(&b'\\')
            || name_bytes.windows(2).any(|w| w == b"..")
            || name_bytes.first() == Some(&b'~')
        {
            return Err(ContainerError::PathInName(name));
        }
        let kind = h[156];
        if kind != b'0' && kind != 0 {
            return Err(ContainerError::NotRegular {
                name,
                kind: printable(&[kind]),
            });
        }
        if name != *want {
            return Err(ContainerError::Unexpected {
                found: name,
                expected: (*want).to_owned(),
            });
        }
        let size =
            parse_octal(&h[124..136]).ok_or_else(|| ContainerError::HeaderAltered(name.clone()))?;
        if h != header(want, size) {
            return Err(ContainerError::HeaderAltered(name));
        }
        if size > *limit {
            return Err(ContainerError::TooLarge {
                name,
                size,
                limit: *limit,
            });
        }
        let offset = pos + BLOCK;
        need(offset + padded(size))?;
        check_zero(file, offset + size, padded(size) - size)?;
        members.push(Member { name, offset, size });
        pos = offset + padded(size);
    }
    need(pos + 2 * BLOCK)?;
    check_zero(file, pos, 2 * BLOCK)?;
    pos += 2 * BLOCK;
    if file_len > pos {
        return Err(ContainerError::TrailingData(file_len - pos));
    }
    Ok(members)
}

/// The first member, if the file starts with a valid header for `name` and
/// holds its content (the rest is not checked: for naming a file's kind only).
pub fn read_first(file: &mut File, file_len: u64, name: &str, limit: u64) -> Option<Member> {
    let mut h = [0u8; 512];
    if file_len < BLOCK || read_at(file, 0, &mut h).is_err() {
        return None;
    }
    let size = parse_octal(&h[124..136])?;
    if h != header(name, size) || size > limit || BLOCK + size > file_len {
        return None;
    }
    Some(Member {
        name: name.to_owned(),
        offset: BLOCK,
        size,
    })
}

/// Reads the content of a (small) member into memory.
pub fn read_member(file: &mut File, member: &Member) -> Result<Vec<u8>, ContainerError> {
    let mut buf = vec![0u8; member.size as usize];
    read_at(file, member.offset, &mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(bytes: &[u8], expected: &[(&str, u64)]) -> Result<Vec<Member>, ContainerError> {
        let dir = tempfile::tempdir().map_err(|e| ContainerError::Io(e.to_string()))?;
        let path = dir.path().join("c.tar");
        std::fs::write(&path, bytes).map_err(|e| ContainerError::Io(e.to_string()))?;
        let mut f = File::open(&path).map_err(|e| ContainerError::Io(e.to_string()))?;
        read_layout(&mut f, bytes.len() as u64, expected)
    }

    #[test]
    fn round_trip_and_strictness() {
        let bytes = to_bytes(&[("a.json", b"{}"), ("b", &[7u8; 600])]);
        assert_eq!(bytes.len() as u64, total_len(&[2, 600]));
        let m = layout(&bytes, &[("a.json", 10), ("b", 1000)]).expect("valid");
        assert_eq!(m[1].size, 600);
        assert!(matches!(
            layout(&bytes, &[("a.json", 1), ("b", 1000)]),
            Err(ContainerError::TooLarge { .. })
        ));
        assert!(matches!(
            layout(&bytes[..bytes.len() - 1], &[("a.json", 10), ("b", 1000)]),
            Err(ContainerError::Truncated { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            layout(&longer, &[("a.json", 10), ("b", 1000)]),
            Err(ContainerError::TrailingData(1))
        );
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            let r = layout(&b, &[("a.json", 10), ("b", 1000)]);
            // Flips inside contents are the signature's business; everything else fails here.
            let in_content = (512..514).contains(&i) || (1536..2136).contains(&i);
            assert_eq!(r.is_ok(), in_content, "byte {i}: {r:?}");
        }
    }

    #[test]
    fn gnu_tar_reads_it() {
        let bytes = to_bytes(&[("manifest.json", b"{\"x\":1}\n")]);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.tar");
        std::fs::write(&path, &bytes).expect("write");
        if let Ok(out) = std::process::Command::new("tar")
            .arg("tf")
            .arg(&path)
            .output()
        {
            assert!(out.status.success(), "{out:?}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), "manifest.json\n");
        }
    }
}
