// Generated from the Rust code tables (src/codes.rs) — do not edit.
// `BANGFU_WRITE_UI_CODES=1 cargo test -p bangfu codes` writes it again.

/** 评估结论（eval 结果的 status） */
export const statuses: [string, string][] = [
  ['dibao', '低保'],
  ['gradual_exit', '低保渐退'],
  ['marginal', '低保边缘'],
  ['low_income', '低收入'],
  ['ineligible', '不符合'],
  ['tekun', '特困'],
  ['orphan', '孤儿'],
  ['invalid', '数据有误'],
]

/** 收入类别 */
export const incomeKinds: [string, string][] = [
  ['wage', '工资性收入'],
  ['business', '经营性收入'],
  ['property', '财产性收入'],
  ['transfer', '转移性收入'],
  ['pension', '养老金'],
  ['alimony', '赡养（抚养、扶养）费'],
  ['disability_subsidy', '残疾人补贴'],
  ['award', '奖励'],
  ['education_aid', '教育资助'],
  ['other', '其他收入'],
]

/** 刚性支出类别 */
export const expenseKinds: [string, string][] = [
  ['medical', '医疗支出'],
  ['education', '教育支出'],
  ['disability_care', '残疾康复护理支出'],
  ['other', '其他支出'],
]

/** 与户主关系 */
export const relations: [string, string][] = [
  ['self', '户主'],
  ['spouse', '配偶'],
  ['child', '子女'],
  ['parent', '父母'],
  ['grandchild', '孙子女'],
  ['grandparent', '祖父母'],
  ['sibling', '兄弟姐妹'],
  ['child_in_law', '儿媳/女婿'],
  ['other', '其他'],
]

/** 劳动能力、自理能力 */
export const abilities: [string, string][] = [
  ['full', '完全'],
  ['partial', '部分'],
  ['none', '无'],
]

/** 残疾类别 */
export const disabilityKinds: [string, string][] = [
  ['physical', '肢体'],
  ['visual', '视力'],
  ['hearing', '听力'],
  ['speech', '言语'],
  ['intellectual', '智力'],
  ['mental', '精神'],
  ['multiple', '多重'],
]

/** 入户调查“两不愁三保障”核查项 */
export const checkItems: [string, string][] = [
  ['food', '不愁吃'],
  ['clothing', '不愁穿'],
  ['education', '义务教育有保障'],
  ['medical', '基本医疗有保障'],
  ['housing', '住房安全有保障'],
  ['water', '饮水安全有保障'],
]

/** 办理流程节点 */
export const eventKinds: [string, string][] = [
  ['application', '申请受理'],
  ['investigation', '入户调查'],
  ['check_request', '申请信息核对'],
  ['check_reply', '信息核对结果'],
  ['democratic_review', '民主评议'],
  ['notice_start', '公示开始'],
  ['objection', '公示异议'],
  ['objection_settled', '异议处理'],
  ['notice_end', '公示结束'],
  ['township_review', '乡镇审核'],
  ['county_confirmation', '县级确认'],
  ['refusal', '不予认定'],
  ['extension', '延长办理时限'],
  ['review', '复核'],
  ['gradual_exit', '进入渐退期'],
  ['termination', '终止'],
  ['exception', '容错纠错'],
]

/** 临时救助类型 */
export const tempAidKinds: [string, string][] = [
  ['emergency', '急难型'],
  ['expenditure', '支出型'],
]

/** 临时救助审批层级（审批表的写法） */
export const approvalLevels: [string, string][] = [
  ['none', '不予救助'],
  ['prepay', '先行救助（事后补办审批）'],
  ['township', '乡镇（街道）审批'],
  ['county', '县级民政部门审批'],
]

/** 致困原因 */
export const causes: [string, string][] = [
  ['illness', '因病'],
  ['disability', '因残'],
  ['schooling', '因学'],
  ['disaster', '因灾/疫'],
  ['lack_of_labour', '缺劳力'],
  ['housing', '住房'],
  ['other', '其他'],
]

/** 不符合财产条件的情形 */
export const disqualifyingTags: [string, string][] = [
  ['non_essential_vehicle', '非生活必需机动车辆'],
  ['company_ownership', '开办或投资企业'],
  ['commercial_property', '经营性房产（门面）'],
  ['multiple_houses', '多套住房'],
  ['luxury_housing', '豪华装修住房'],
]

/** 附件类别 */
export const attachmentKinds: [string, string][] = [
  ['house_photo', '住房照片'],
  ['id_document', '证件'],
  ['application', '申请书'],
  ['review_record', '评议记录'],
  ['other', '其他'],
]
