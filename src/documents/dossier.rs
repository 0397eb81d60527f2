//! 一户一档: the household's complete file as a printable A4 PDF.
//!
//! Sections follow the county's paper forms (入户调查表, 家庭经济状况核查表):
//! cover, members, incomes and rigid expenses, assets and photos of the
//! house, the latest decision with every reason, the assistance plan, visit
//! records with their photos, the case timeline, the list of scanned papers
//! and signature lines; optionally the scans themselves as pages.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::attachments::AttachmentKind;
use crate::casefile::{special_groups, AttachedFile, CaseFile};
use crate::casework::CheckItem;
use crate::dates::age_on;
use crate::money::format_amount;
use crate::pdf::{
    append_pdfs, appendable_pages, Align, Column, Document, PdfError, Table, TextStyle,
};

/// Choices for printing dossiers.
#[derive(Debug, Clone, Copy, Default)]
pub struct DossierOptions {
    /// Append each scanned paper (证件, 申请书, 评议记录) kept as a picture as
    /// a page of its own.
    pub with_scans: bool,
}

/// Renders one household's dossier.
pub fn dossier_pdf(
    file: &CaseFile,
    printed: NaiveDate,
    options: DossierOptions,
) -> Result<Vec<u8>, PdfError> {
    let mut doc = new_document(&file.household.village)?;
    write_dossier(&mut doc, file, printed, options);
    with_pdf_scans(doc.to_bytes()?, std::slice::from_ref(file), options)
}

/// The PDF scans of `files` that will be appended (`--with-scans`).
fn pdf_scans(files: &[CaseFile], options: DossierOptions) -> Vec<&[u8]> {
    if !options.with_scans {
        return Vec::new();
    }
    files
        .iter()
        .flat_map(|f| &f.attachments)
        .filter(|a| a.meta.kind.is_scan() && !a.meta.is_image())
        .filter(|a| appendable_pages(&a.bytes).is_ok())
        .map(|a| a.bytes.as_slice())
        .collect()
}

/// Appends the pages of the PDF scans of `files` to a finished dossier.
fn with_pdf_scans(
    pdf: Vec<u8>,
    files: &[CaseFile],
    options: DossierOptions,
) -> Result<Vec<u8>, PdfError> {
    let scans = pdf_scans(files, options);
    if scans.is_empty() {
        return Ok(pdf);
    }
    Ok(append_pdfs(&pdf, &scans)?.0)
}

/// A village's dossiers: one PDF per household and one combined file to print.
pub struct VillageDossiers {
    /// (household code, PDF) in code order.
    pub each: Vec<(String, Vec<u8>)>,
    /// All of them in one file.
    pub combined: Vec<u8>,
}

/// Renders every household of a village.
pub fn village_dossiers(
    files: &[CaseFile],
    village: &str,
    printed: NaiveDate,
    options: DossierOptions,
) -> Result<VillageDossiers, PdfError> {
    // The combined file is laid out on one core while the single files are
    // made on the other: each household is drawn twice, so this halves the wait.
    std::thread::scope(|scope| {
        let combined = scope.spawn(|| -> Result<Vec<u8>, PdfError> {
            let mut combined = new_document(village)?;
            for (i, file) in files.iter().enumerate() {
                if i > 0 {
                    combined.page_break();
                }
                write_dossier(&mut combined, file, printed, options);
            }
            with_pdf_scans(combined.to_bytes()?, files, options)
        });
        let each = files
            .iter()
            .map(|file| {
                let mut doc = new_document(village)?;
                write_dossier(&mut doc, file, printed, options);
                let pdf = with_pdf_scans(doc.to_bytes()?, std::slice::from_ref(file), options)?;
                Ok((file.household.id.clone(), pdf))
            })
            .collect::<Result<Vec<_>, PdfError>>()?;
        let combined = combined
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok(VillageDossiers { each, combined })
    })
}

fn new_document(village: &str) -> Result<Document, PdfError> {
    let mut doc = Document::new("一户一档")?;
    doc.header(
        format!("社会救助家庭档案（一户一档） {village}"),
        "内部资料 注意保密",
    );
    doc.footer("bangfu 帮扶", "第 {page} 页 / 共 {pages} 页");
    Ok(doc)
}

fn yes(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// Height of a photo in the dossier's two-column grids.
const PHOTO_HEIGHT_MM: f32 = 62.0;

/// A photo's caption in the dossier: what it shows and when.
fn photo_caption(a: &AttachedFile) -> String {
    let m = &a.meta;
    let mut caption = if m.caption.is_empty() {
        m.kind.zh().to_owned()
    } else {
        m.caption.clone()
    };
    if let Some(member) = &m.member_name {
        caption.push_str(&format!("（{member}）"));
    }
    caption.push_str(&format!(" {}", m.taken_on.unwrap_or(m.added_on)));
    caption
}

/// A captioned grid of photos under a bold label; a photo that cannot be
/// placed is named in a line of text instead of stopping the whole dossier.
fn photo_section(doc: &mut Document, label: &str, photos: &[&AttachedFile]) {
    if photos.is_empty() {
        return;
    }
    doc.label(label);
    let grid: Vec<(&[u8], String)> = photos
        .iter()
        .map(|a| (a.bytes.as_slice(), photo_caption(a)))
        .collect();
    if let Err(e) = doc.photo_grid(&grid, 2, PHOTO_HEIGHT_MM) {
        doc.paragraph(format!("（照片未能放入档案：{e}）"));
    }
}

fn is_photo(a: &AttachedFile) -> bool {
    a.meta.is_image() && !a.meta.kind.is_scan()
}

/// The whole dossier, section by section as on the county's paper file.
fn write_dossier(doc: &mut Document, file: &CaseFile, printed: NaiveDate, options: DossierOptions) {
    write_cover(doc, file, printed);
    write_members(doc, file, printed);
    write_incomes(doc, file);
    write_assets(doc, file, printed);
    doc.heading("四、资格认定");
    write_decision(doc, file);
    write_measures(doc, file);
    write_visits(doc, file);
    write_timeline(doc, file);
    write_papers(doc, file, options);
}

/// The dossier's cover: who the household is.
fn write_cover(doc: &mut Document, file: &CaseFile, printed: NaiveDate) {
    let h = &file.household;
    let head = h.head().map_or("", |m| m.name.as_str());
    doc.title("社会救助家庭档案");
    doc.paragraph_styled("（一户一档）", TextStyle::default().align(Align::Center));
    doc.space_mm(4.0);
    doc.key_value("档案编号", h.id.clone());
    doc.key_value("户主姓名", head);
    doc.key_value(
        "行政区划",
        format!(
            "{} {} {}",
            h.region_code,
            h.village,
            h.group.as_deref().unwrap_or("")
        ),
    );
    doc.key_value("家庭住址", h.address.clone().unwrap_or_default());
    doc.key_value("联系电话", h.phone.clone().unwrap_or_default());
    doc.key_value("户籍类型", h.hukou.zh());
    let causes: Vec<&str> = h.hardship_causes.iter().map(|c| c.zh()).collect();
    doc.key_value(
        "致困原因",
        if causes.is_empty() {
            "未填写".into()
        } else {
            causes.join("、")
        },
    );
    if h.cadre_relative {
        doc.key_value(
            "近亲属备案",
            "本户有村干部或经办人员近亲属，已备案，须县级入户核查",
        );
    }
    doc.key_value("打印日期", printed.to_string());
    doc.rule();
}

/// The dossier's members.
fn write_members(doc: &mut Document, file: &CaseFile, printed: NaiveDate) {
    let h = &file.household;
    doc.heading("一、家庭成员");
    let mut members = Table::new(vec![
        Column::mm("序号", 10.0).align(Align::Center),
        Column::fraction("姓名", 1.2),
        Column::fraction("与户主关系", 1.0),
        Column::mm("性别", 10.0).align(Align::Center),
        Column::mm("年龄", 10.0).align(Align::Right),
        Column::mm("身份证号", 38.0),
        Column::fraction("残疾/健康", 1.6),
        Column::fraction("劳动能力/自理", 1.2),
        Column::fraction("共同生活/特殊群体", 1.5),
    ]);
    members.font_size(9.0);
    for (i, m) in h.members.iter().enumerate() {
        let mut health = Vec::new();
        if let Some(d) = &m.disability {
            health.push(format!("{}残疾{}级", d.kind.zh(), d.grade));
        }
        if m.serious_illness {
            health.push("重病".into());
        }
        if let Some(n) = &m.health_note {
            health.push(n.clone());
        }
        let mut living = vec![format!("共同生活：{}", yes(m.cohabiting))];
        living.extend(special_groups(h, i, printed));
        members.row([
            (i + 1).to_string(),
            m.name.clone(),
            m.relation_zh().to_owned(),
            m.sex().map_or("", |s| s.zh()).to_owned(),
            m.born()
                .map_or(String::new(), |b| age_on(b, printed).to_string()),
            m.id_number.clone().unwrap_or_else(|| "无".into()),
            if health.is_empty() {
                "健康".into()
            } else {
                health.join("；")
            },
            format!("{}／{}", m.work_capacity.zh(), m.self_care.zh()),
            living.join("；"),
        ]);
    }
    doc.table(members);
    write_supporters(doc, file);
}

/// The members' legal supporters (法定赡养、抚养、扶养义务人) with their
/// families' figures and the finding on their capability.
fn write_supporters(doc: &mut Document, file: &CaseFile) {
    let listed: Vec<_> = file
        .household
        .members
        .iter()
        .filter_map(|m| Some((m, m.supporters.as_ref()?)))
        .collect();
    if listed.is_empty() {
        return;
    }
    doc.label("法定赡养（抚养、扶养）义务人");
    let mut table = Table::new(vec![
        Column::fraction("成员", 1.0),
        Column::fraction("义务人", 1.0),
        Column::fraction("关系", 0.8),
        Column::mm("年龄", 10.0).align(Align::Right),
        Column::mm("家庭人口", 14.0).align(Align::Right),
        Column::mm("家庭年收入", 24.0).align(Align::Right),
        Column::mm("金融资产", 22.0).align(Align::Right),
        Column::fraction("赡养能力", 1.8),
    ]);
    table.font_size(9.0);
    for (member, supporters) in listed {
        if supporters.is_empty() {
            table.row([
                member.name.clone(),
                "无".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "无法定义务人".into(),
            ]);
        }
        for s in supporters {
            let opt = |v: Option<u32>| v.map_or(String::new(), |v| v.to_string());
            let money = |v: Option<Decimal>| v.map_or(String::new(), format_amount);
            let finding = match (s.capable, s.has_figures()) {
                (Some(true), _) => "经认定有能力".to_owned(),
                (Some(false), _) => "经认定无能力".to_owned(),
                (None, true) => "按其家庭收入核定（见认定理由）".to_owned(),
                (None, false) => "未评估".to_owned(),
            };
            let finding = match &s.judgement_note {
                Some(note) if !note.trim().is_empty() => format!("{finding}：{note}"),
                _ => finding,
            };
            table.row([
                member.name.clone(),
                s.name.clone(),
                s.relation.clone(),
                opt(s.age),
                opt(s.family_size),
                money(s.family_annual_income),
                money(s.family_financial_assets),
                finding,
            ]);
        }
    }
    doc.table(table);
}

/// The dossier's incomes and rigid expenses.
fn write_incomes(doc: &mut Document, file: &CaseFile) {
    let h = &file.household;
    doc.heading("二、家庭收入（近12个月）与刚性支出");
    let mut incomes = Table::new(vec![
        Column::fraction("成员", 1.0),
        Column::fraction("收入类型", 1.6),
        Column::mm("年收入（元）", 32.0).align(Align::Right),
        Column::mm("月均（元）", 28.0).align(Align::Right),
    ]);
    let mut total = Decimal::ZERO;
    for m in &h.members {
        for inc in &m.incomes {
            total += inc.annual;
            incomes.row([
                m.name.clone(),
                inc.kind.zh().to_owned(),
                format_amount(inc.annual),
                format_amount(inc.annual / Decimal::from(12)),
            ]);
        }
    }
    incomes.row([
        "合计".to_owned(),
        String::new(),
        format_amount(total),
        format_amount(total / Decimal::from(12)),
    ]);
    doc.table(incomes);
    if h.expenses.is_empty() {
        doc.paragraph("刚性支出：无。");
    } else {
        let mut expenses = Table::new(vec![
            Column::fraction("支出类型", 2.0),
            Column::mm("年支出（元）", 32.0).align(Align::Right),
        ]);
        for e in &h.expenses {
            expenses.row([e.kind.zh().to_owned(), format_amount(e.annual)]);
        }
        doc.table(expenses);
    }
}

/// The dossier's assets, enrollment, 临时救助 request and house photos.
fn write_assets(doc: &mut Document, file: &CaseFile, printed: NaiveDate) {
    let h = &file.household;
    doc.heading("三、家庭财产");
    doc.key_value(
        "金融资产",
        format!(
            "{} 元（存款、有价证券等）",
            format_amount(h.assets.financial)
        ),
    );
    let tags: Vec<&str> = h
        .assets
        .disqualifying
        .iter()
        .map(|t| crate::engine::disqualifying_zh(t))
        .collect();
    doc.key_value(
        "其他财产",
        if tags.is_empty() {
            "无不符合条件的财产".into()
        } else {
            tags.join("、")
        },
    );
    if let Some(e) = h.enrollment.as_ref() {
        doc.key_value(
            "在保情况",
            format!(
                "{}，自{}起，月保障金{}元，{}类，上次复核{}",
                if e.is_dibao() {
                    "低保"
                } else if e.is_tekun() {
                    "特困供养"
                } else {
                    e.program.as_str()
                },
                e.since.map_or("—".into(), |d| d.to_string()),
                format_amount(e.monthly_amount),
                e.class.as_deref().unwrap_or("—"),
                e.last_review.map_or("—".into(), |d| d.to_string())
            ),
        );
    }
    if let Some(t) = &h.temp_aid {
        doc.key_value(
            "临时救助申请",
            format!(
                "申请{}元，本年已获{}元",
                format_amount(t.requested),
                format_amount(t.granted_in_year_of(printed).unwrap_or_default())
            ),
        );
    }
    if !file.temp_aid.is_empty() {
        doc.label("临时救助登记");
        let mut table = Table::new(vec![
            Column::mm("类型", 16.0),
            Column::fraction("事由", 1.6),
            Column::mm("发生日期", 22.0),
            Column::mm("申请（元）", 22.0).align(Align::Right),
            Column::mm("核定（元）", 22.0).align(Align::Right),
            Column::fraction("审批", 1.2),
            Column::mm("发放时间", 30.0),
        ]);
        table.font_size(9.0);
        for r in &file.temp_aid {
            let cause = if r.case_by_case {
                format!("{}（一事一议：{}）", r.cause, r.case_reason)
            } else {
                r.cause.clone()
            };
            table.row([
                r.kind.zh().to_owned(),
                cause,
                r.event_date.to_string(),
                format_amount(r.requested),
                r.granted.map_or("—".into(), format_amount),
                r.approval_level.map_or("待审批", |l| l.zh()).to_owned(),
                r.paid_at.map_or("未发放".into(), |p| {
                    p.format("%Y-%m-%d %H:%M").to_string()
                }),
            ]);
        }
        doc.table(table);
    }

    let house: Vec<&AttachedFile> = file
        .attachments
        .iter()
        .filter(|a| {
            is_photo(a) && a.meta.kind == AttachmentKind::HousePhoto && a.meta.visit_id.is_none()
        })
        .collect();
    photo_section(doc, "住房情况照片", &house);
}

/// The dossier's assistance plan (一户一策).
fn write_measures(doc: &mut Document, file: &CaseFile) {
    doc.heading("五、帮扶措施（一户一策）");
    if file.measures.is_empty() {
        doc.paragraph("暂无帮扶措施。");
    } else {
        let mut plan = Table::new(vec![
            Column::fraction("措施类别", 1.0),
            Column::fraction("具体内容", 2.4),
            Column::fraction("责任人", 0.8),
            Column::mm("完成时限", 24.0),
            Column::mm("状态", 16.0),
        ]);
        for m in &file.measures {
            plan.row([
                m.kind.clone(),
                m.description.clone(),
                m.responsible.clone(),
                m.due.map_or(String::new(), |d| d.to_string()),
                m.status.zh().to_owned(),
            ]);
        }
        doc.table(plan);
    }
}

/// The dossier's visit records and their photos.
fn write_visits(doc: &mut Document, file: &CaseFile) {
    doc.heading("六、入户调查记录");
    let visits: Vec<_> = file.visits.iter().filter(|v| !v.draft).collect();
    if visits.is_empty() {
        doc.paragraph("暂无入户调查记录。");
    } else {
        let mut table = Table::new(vec![
            Column::mm("日期", 22.0),
            Column::fraction("调查人员", 1.0),
            Column::fraction("两不愁三保障核查", 2.0),
            Column::fraction("调查情况", 2.6),
            Column::mm("下次走访", 22.0),
        ]);
        table.font_size(9.0);
        for v in visits {
            let checks: Vec<String> = CheckItem::ALL
                .iter()
                .map(|item| match v.checklist.iter().find(|c| c.item == *item) {
                    Some(c) if c.problem => format!("{}：有问题（{}）", item.zh(), c.note),
                    Some(_) => format!("{}：是", item.zh()),
                    None => format!("{}：未核查", item.zh()),
                })
                .collect();
            table.row([
                v.date.to_string(),
                v.workers.join("、"),
                checks.join("；"),
                v.findings.clone(),
                v.next_visit.map_or(String::new(), |d| d.to_string()),
            ]);
        }
        doc.table(table);
        for v in file.visits.iter().filter(|v| !v.draft) {
            let photos: Vec<&AttachedFile> = file
                .attachments
                .iter()
                .filter(|a| is_photo(a) && a.meta.visit_id == Some(v.id))
                .collect();
            photo_section(doc, &format!("{} 入户调查照片", v.date), &photos);
        }
    }
    let other: Vec<&AttachedFile> = file
        .attachments
        .iter()
        .filter(|a| {
            is_photo(a) && a.meta.kind == AttachmentKind::Other && a.meta.visit_id.is_none()
        })
        .collect();
    photo_section(doc, "其他照片", &other);
}

/// The dossier's case timeline.
fn write_timeline(doc: &mut Document, file: &CaseFile) {
    doc.heading("七、办理流程");
    if file.events.is_empty() {
        doc.paragraph("暂无办理记录。");
    } else {
        let mut timeline = Table::new(vec![
            Column::mm("日期", 22.0),
            Column::mm("环节", 24.0),
            Column::fraction("经办", 1.0),
            Column::fraction("情况", 2.5),
        ]);
        for e in &file.events {
            let recorded = crate::lifecycle::describe_step(e);
            let what = match (recorded.is_empty(), e.note.trim().is_empty()) {
                (true, _) => e.note.clone(),
                (false, true) => recorded,
                (false, false) => format!("{recorded}。{}", e.note),
            };
            timeline.row([
                e.date.to_string(),
                e.kind.zh().to_owned(),
                e.actor.clone(),
                what,
            ]);
        }
        doc.table(timeline);
    }
    for d in &file.deadlines {
        let done = d.done.map_or("未完成".to_owned(), |x| format!("{x} 完成"));
        let late = if d.done.is_some_and(|x| x > d.due) {
            "（超时）"
        } else {
            ""
        };
        doc.key_value(
            "办理时限",
            format!("{}：应于 {} 前，{done}{late}", d.what, d.due),
        );
    }
}

/// The dossier's list of papers, the signature lines and, when chosen, the scans as pages.
fn write_papers(doc: &mut Document, file: &CaseFile, options: DossierOptions) {
    doc.heading("八、证件及材料");
    let scans: Vec<&AttachedFile> = file
        .attachments
        .iter()
        .filter(|a| a.meta.kind.is_scan())
        .collect();
    if scans.is_empty() {
        doc.paragraph("暂无扫描的证件或材料。");
    } else {
        let mut list = Table::new(vec![
            Column::mm("类别", 22.0),
            Column::mm("日期", 22.0),
            Column::mm("成员", 20.0),
            Column::fraction("说明", 2.0),
            Column::mm("形式", 30.0),
        ]);
        for a in &scans {
            let m = &a.meta;
            let form = match (m.is_image(), options.with_scans) {
                (true, true) => "扫描件，附后".to_owned(),
                (true, false) => "扫描件".to_owned(),
                (false, false) => "PDF".to_owned(),
                (false, true) => match appendable_pages(&a.bytes) {
                    Ok(pages) => format!("PDF，附后（{pages} 页）"),
                    Err(why) => format!("PDF，无法附上（{why}），请另行打印"),
                },
            };
            list.row([
                m.kind.zh().to_owned(),
                m.taken_on.unwrap_or(m.added_on).to_string(),
                m.member_name.clone().unwrap_or_default(),
                if m.caption.is_empty() {
                    m.original_name.clone()
                } else {
                    m.caption.clone()
                },
                form,
            ]);
        }
        doc.table(list);
        if !options.with_scans {
            doc.paragraph("电子原件存于帮扶系统，可用 bangfu attachments export 导出，或打印时选择附上扫描件。");
        }
    }

    doc.keep_together(|d| {
        d.heading("九、签字确认");
        d.paragraph("以上情况经入户调查核实，本人对所填内容的真实性负责，并授权核对家庭经济状况。");
        d.signature_line(&["户主（签字或手印）", "日期"]);
        d.signature_line(&["协理员（签字）", "日期"]);
        d.signature_line(&["村（居）委会（盖章）", "日期"]);
    });

    if options.with_scans {
        for a in file
            .attachments
            .iter()
            .filter(|a| a.meta.kind.is_scan() && a.meta.is_image())
        {
            let m = &a.meta;
            let caption = format!("附：{}　{}", m.kind.zh(), photo_caption(a));
            if let Err(e) = doc.full_page_image(&a.bytes, caption) {
                doc.paragraph(format!("（扫描件“{}”未能放入档案：{e}）", m.original_name));
            }
        }
    }
}

fn write_decision(doc: &mut Document, file: &CaseFile) {
    let (Some(stored), Some(json)) = (&file.decision, file.decision_json()) else {
        doc.paragraph("尚未评估。请在“资格评估”中评估并保存后再打印。");
        return;
    };
    doc.key_value("认定结论", crate::documents::program_zh(stored.status));
    doc.key_value("评估日期", stored.as_of.to_string());
    doc.key_value("政策版本", stored.policy_version.clone());
    let field = |k: &str| json[k].as_str().map(str::to_owned);
    if let Some(s) = field("standard") {
        doc.key_value("保障标准", format!("{s} 元/人·月"));
    }
    doc.key_value(
        "保障人口",
        format!("{} 人", crate::documents::persons_covered(file)),
    );
    doc.key_value(
        "低保计算人口",
        format!("{} 人（不含特困供养人员）", json["household_size"]),
    );
    if let Some(p) = field("per_capita_income") {
        doc.key_value("月人均收入", format!("{p} 元"));
    }
    if let Some(c) = field("household_class") {
        doc.key_value("户类别", format!("{c} 类"));
    }
    doc.key_value(
        "月保障金额",
        format!("{} 元", format_amount(stored.total_monthly)),
    );
    if let Some(n) = field("next_review") {
        doc.key_value("下次复核", n);
    }
    if let Some(e) = field("exit_at") {
        doc.key_value("渐退期至", e);
    }
    if let Some(n) = field("next_visit") {
        let overdue = json["visit_overdue"].as_bool() == Some(true);
        doc.key_value(
            "下次走访",
            if overdue {
                format!("{n}（已逾期）")
            } else {
                n
            },
        );
    }
    if let Some(s) = field("subsidies_monthly").filter(|s| s != "0.00") {
        doc.key_value(
            "残疾人两项补贴",
            format!("{s} 元/月（另行发放，不计入月保障金额）"),
        );
    }
    if let Some(errors) = json["errors"].as_array() {
        for e in errors {
            doc.paragraph(format!("数据问题：{}", e));
        }
    }
    let reasons = json["reasons"].as_array().cloned().unwrap_or_default();
    if !reasons.is_empty() {
        doc.paragraph_styled("认定理由：", TextStyle::default().bold(true));
        for (i, r) in reasons.iter().enumerate() {
            // The provision cited when the policy gives one, else the key.
            let basis = r["citation"].as_str().or(r["policy_key"].as_str());
            let key = basis.map_or(String::new(), |b| {
                format!(
                    "（依据：{b}，政策 {}）",
                    r["policy_version"].as_str().unwrap_or("")
                )
            });
            doc.paragraph(format!(
                "{}. {}{}",
                i + 1,
                r["text"].as_str().unwrap_or(""),
                key
            ));
        }
    }
}
