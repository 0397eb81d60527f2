//! The marker structure of a JPEG file (ITU-T T.81, annex B), walked without
//! decoding anything: the attachment checks read it to the end to refuse a
//! truncated photo, the PDF writer reads its header to embed it as it is.

/// The marker code of SOS (start of scan): entropy-coded data follows it.
pub(crate) const SOS: u8 = 0xDA;
/// The marker code of EOI (end of image).
pub(crate) const EOI: u8 = 0xD9;
/// The marker code of APP1, where EXIF lives.
pub(crate) const APP1: u8 = 0xE1;
/// The marker code of APP14, where Adobe notes its colour transform.
pub(crate) const APP14: u8 = 0xEE;

/// Whether `marker` starts a frame (SOF0–SOF15, which are not DHT, JPG or DAC).
pub(crate) fn is_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// One marker segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Segment<'a> {
    /// The marker code, the byte after `FF` ([`SOS`], [`EOI`], SOF0 = `C0`…).
    pub marker: u8,
    /// Where the marker's `FF` is in the file.
    pub offset: usize,
    /// The segment's contents after its length field; empty for EOI.
    pub data: &'a [u8],
    /// Where the segment ends in the file.
    pub end: usize,
}

/// Why a walk stopped before the end of the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broken {
    /// The bytes end before the structure does.
    Truncated,
    /// A marker (`FF`) was expected at `offset`; the byte there is `found`.
    NotAMarker {
        /// Where.
        offset: usize,
        /// What is there.
        found: u8,
    },
    /// `FF 00` or a second SOI, where a marker should be.
    BadMarker {
        /// Where the `FF` is.
        offset: usize,
        /// The code after it.
        marker: u8,
    },
    /// A segment whose length field is below 2.
    BadLength {
        /// Where the segment's `FF` is.
        offset: usize,
        /// The length it gives.
        length: usize,
    },
}

/// The segments of the JPEG `bytes` (which starts with SOI, not checked
/// here), through the entropy-coded data after each SOS, up to and including
/// the EOI of the primary picture. Stand-alone markers (TEM, RST0–7) are
/// skipped. Stops after EOI or the first error. Linear in the file size.
pub(crate) fn segments(bytes: &[u8]) -> Segments<'_> {
    Segments {
        bytes,
        pos: 2,
        in_scan: false,
        done: false,
    }
}

/// Iterator of [`segments`].
#[derive(Debug)]
pub(crate) struct Segments<'a> {
    bytes: &'a [u8],
    pos: usize,
    in_scan: bool,
    done: bool,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<Segment<'a>, Broken>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step();
        self.done = !matches!(item, Ok(s) if s.marker != EOI);
        Some(item)
    }
}

impl<'a> Segments<'a> {
    fn step(&mut self) -> Result<Segment<'a>, Broken> {
        let bytes = self.bytes;
        if std::mem::take(&mut self.in_scan) {
            self.skip_scan()?;
        }
        loop {
            let offset = self.pos;
            match bytes.get(offset) {
                None => return Err(Broken::Truncated),
                Some(0xFF) => {}
                Some(&found) => return Err(Broken::NotAMarker { offset, found }),
            }
            // Any number of FF fill bytes may come before the code.
            let mut i = offset;
            while bytes.get(i) == Some(&0xFF) {
                i += 1;
            }
            let &marker = bytes.get(i).ok_or(Broken::Truncated)?;
            i += 1;
            match marker {
                EOI => {
                    self.pos = i;
                    return Ok(Segment {
                        marker,
                        offset,
                        data: &[],
                        end: i,
                    });
                }
                0x00 | 0xD8 => return Err(Broken::BadMarker { offset, marker }),
                // TEM and RSTn stand alone, without a length.
                0x01 | 0xD0..=0xD7 => {
                    self.pos = i;
                    continue;
                }
                _ => {}
            }
            let length = bytes.get(i..i + 2).ok_or(Broken::Truncated)?;
            let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
            if length < 2 {
                return Err(Broken::BadLength { offset, length });
            }
            let end = i + length;
            let data = bytes.get(i + 2..end).ok_or(Broken::Truncated)?;
            self.pos = end;
            self.in_scan = marker == SOS;
            return Ok(Segment {
                marker,
                offset,
                data,
                end,
            });
        }
    }

    /// Moves past entropy-coded data to the next marker that is not a
    /// stuffed `FF 00` or a restart marker.
    fn skip_scan(&mut self) -> Result<(), Broken> {
        let bytes = self.bytes;
        loop {
            let ff = bytes
                .get(self.pos..)
                .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
                .map(|at| self.pos + at)
                .ok_or(Broken::Truncated)?;
            let mut k = ff + 1;
            while bytes.get(k) == Some(&0xFF) {
                k += 1;
            }
            match bytes.get(k) {
                None => return Err(Broken::Truncated),
                Some(0x00 | 0xD0..=0xD7) => self.pos = k + 1,
                Some(_) => {
                    self.pos = ff;
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOI, an APP0 of 3 bytes, SOF0, SOS with two bytes of scan data (one
    /// a stuffed FF 00, then RST0), EOI.
    fn small() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend([0xFF, 0xE0, 0x00, 0x05, b'a', b'b', b'c']);
        b.extend([0xFF, 0xC0, 0x00, 0x08, 8, 0x00, 0x10, 0x00, 0x20, 1]);
        b.extend([0xFF, SOS, 0x00, 0x03, 0x01]);
        b.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        b.extend([0xFF, EOI]);
        b
    }

    #[test]
    fn walks_headers_and_scans_to_the_end() {
        let bytes = small();
        let found: Vec<(u8, usize, usize)> = segments(&bytes)
            .map(|s| s.map(|s| (s.marker, s.offset, s.data.len())))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            found,
            [(0xE0, 2, 3), (0xC0, 9, 6), (SOS, 19, 1), (EOI, 31, 0)]
        );
        // Data after EOI (a motion photo's video) is not walked.
        let mut longer = bytes.clone();
        longer.extend([0x00, 0x01, 0x02]);
        assert_eq!(segments(&longer).count(), 4);
    }

    #[test]
    fn every_cut_is_truncated_and_damage_says_where() {
        let bytes = small();
        for cut in 2..bytes.len() {
            let last = segments(&bytes[..cut]).last().unwrap();
            assert_eq!(last, Err(Broken::Truncated), "cut at {cut}");
        }
        let mut bad = bytes.clone();
        bad[9] = 0x12;
        assert_eq!(
            segments(&bad).last().unwrap(),
            Err(Broken::NotAMarker {
                offset: 9,
                found: 0x12
            })
        );
        let mut bad = bytes.clone();
        bad[5] = 0x01; // APP0 length 1
        bad[4] = 0x00;
        assert_eq!(
            segments(&bad).last().unwrap(),
            Err(Broken::BadLength {
                offset: 2,
                length: 1
            })
        );
        let mut bad = bytes;
        bad[10] = 0xD8; // a second SOI
        assert_eq!(
            segments(&bad).last().unwrap(),
            Err(Broken::BadMarker {
                offset: 9,
                marker: 0xD8
            })
        );
    }

    #[test]
    fn frames_are_sof_markers_only() {
        assert!(is_frame(0xC0) && is_frame(0xC2) && is_frame(0xCF));
        assert!(!is_frame(0xC4) && !is_frame(0xC8) && !is_frame(0xCC) && !is_frame(0xDA));
    }
}
