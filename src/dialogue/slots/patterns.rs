//! The regular expressions of the slot extractor, built once from shared fragments (⟨NUM⟩,
//! ⟨PCT⟩, ⟨MONTH⟩, ⟨DAY⟩, ⟨YEARS⟩, ⟨MONEY⟩) so every pattern reads numbers the way
//! `text::numbers` parses them. Which pattern fills which slot, and in what order, is the
//! scanner's business.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::numbers::{DAY, MONTH, NUM, PCT};

fn re(pattern: &str) -> Regex {
    let p = pattern
        .replace("⟨NUM⟩", NUM)
        .replace("⟨PCT⟩", PCT)
        .replace("⟨MONTH⟩", MONTH)
        .replace("⟨DAY⟩", DAY)
        .replace(
            "⟨YEARS⟩",
            r"(?:⟨NUM⟩年半|⟨NUM⟩年(?:零|又)?⟨NUM⟩个月|⟨NUM⟩年)",
        )
        .replace("⟨NUM⟩", NUM)
        .replace("⟨MONEY⟩", r"(?:万元|万块|元|块钱|块)");
    Regex::new(&p).unwrap_or_else(|e| panic!("bad slot pattern {pattern}: {e}"))
}

macro_rules! lazy_re {
    ($name:ident, $pat:expr) => {
        pub(super) static $name: LazyLock<Regex> = LazyLock::new(|| re($pat));
    };
}

lazy_re!(
    ASKING,
    r"吗|么|怎么|怎样|如何|什么|多少|几|是否|能不能|可不可以|要不要|为什么|为啥|咋|请问|\?"
);
lazy_re!(
    UNTIL_NOW,
    r"(?:到|至|拖到|截至|截止到|截止|直到|一直到)\s*(?:现在|今天|目前|当前|如今)|至今|现在才(?:交|缴|补)|今天(?:才)?(?:交|缴|补)|^\s*(?:现在|今天|马上|立刻)(?:交|缴|补)?\s*$"
);
lazy_re!(
    MONTHLY_AMOUNT,
    r"(?:每月|每个月|一个月|月缴)\s*(?:应缴|要交|要缴|交|缴)?\s*(?:的)?\s*(?P<v>⟨NUM⟩\s*⟨MONEY⟩?)"
);
lazy_re!(
    CORRECTION,
    r"不对|错了|说错|搞错|写错|打错|弄错|改成|改为|改一下|换成|更正|纠正|应该是|我是说|重新说|修改"
);

// Spans that hold digits but no slot value.
lazy_re!(
    PROTECT,
    r"[0-9]{17}[0-9x]|1[3-9][0-9]{9}|[0-9]{7,}|400-?[0-9]{3}-?[0-9]{4}|第⟨NUM⟩|(?:万分之|千分之)⟨NUM⟩|⟨PCT⟩\s*(?:到|至|-|~)\s*⟨PCT⟩"
);
lazy_re!(HOTLINE, r"12333|12393|12366|12345|12315|95[0-9]{3}");
lazy_re!(
    PROTECT_AFTER_DATES,
    r"(?:19|20)[0-9]{2}\s*年(?:度)?(?:⟨MONTH⟩月(?:份)?)?|(?:19|20)[0-9]{2}[-/.][0-9]{1,2}|[0-9]{2}年(?:开始|起|以来|底|初|的时候|那年|之前|以前|以后|之后|上半年|下半年)|⟨NUM⟩\s*(?:号|周岁|岁|点钟|点半)"
);

lazy_re!(
    DATE_FULL,
    r"[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?:日|号)?|(?:[0-9]{4}|[0-9]{2})年⟨MONTH⟩月⟨DAY⟩(?:日|号)?"
);
lazy_re!(DATE_NO_YEAR, r"⟨MONTH⟩月⟨DAY⟩(?:日|号)");
lazy_re!(
    DATE_CUE,
    r"从|自|到|至|起|开始|截止|截至|为止|欠|晚交|逾期|滞纳|日期|哪天|时间"
);
lazy_re!(
    PERIOD,
    r"(?:从)?(?:[0-9]{4}|[0-9]{2})(?:年|[-/.])⟨MONTH⟩(?:月份|月)?(?:开始)?\s*(?:一直到|到|至|~|-)\s*(?:(?:[0-9]{4}|[0-9]{2})(?:年|[-/.]))?⟨MONTH⟩(?:月份|月)?(?:为止|结束)?"
);
lazy_re!(
    MONTH_RANGE,
    r"(?:从)?⟨MONTH⟩(?:月份|月)\s*(?:一直到|到|至|~|-)\s*⟨MONTH⟩(?:月份|月)(?:为止|结束)?"
);
lazy_re!(
    WHOLE_YEAR,
    r"(?P<y>(?:19|20)[0-9]{2})\s*年?\s*(?:的)?(?:全年|一整年|整年|一年的|12个月|十二个月)"
);
lazy_re!(
    RELATIVE_PERIOD,
    r"(?P<y1>前年|去年|今年)(?P<m1>⟨MONTH⟩)(?:月份|月)\s*(?:一直到|到|至|~|-)\s*(?P<y2>前年|去年|今年|明年)?(?P<m2>⟨MONTH⟩)(?:月份|月)"
);
lazy_re!(YEAR_BEFORE, r"((?:19|20)[0-9]{2})年(?:的)?\s*$");

lazy_re!(
    BASE_AFTER_KEYWORD,
    r"(?:缴费)?基数(?:(?:改成|改为|换成|变成|调成|调到|调整为|是|为|按照|按|选择|选的|选|用|定为|定在|设为|就)\s*)*(?P<v>[0-9]+\.[0-9]+\s*[千万]\s*⟨MONEY⟩?|⟨PCT⟩(?:档)?|⟨NUM⟩\s*⟨MONEY⟩?(?:档)?|最低档?|最高档?|中档|中间档)"
);
lazy_re!(
    BASE_BEFORE_KEYWORD,
    r"(?P<v>⟨PCT⟩|⟨NUM⟩\s*⟨MONEY⟩?)\s*(?:的)?\s*(?:缴费)?(?:基数|档次|档)"
);
lazy_re!(
    BASE_GRADE_WORD,
    r"(?P<v>最低|最高|中间|中)(?:一)?(?:档次|档)|(?P<w>最低|最高)(?:缴费)?基数"
);
lazy_re!(
    BASE_LOWEST,
    r"(?:按(?:照)?|交|缴|选|选择|要)\s*(?P<v>最低|最高)(?:的|标准|那档|那一档|一档)?"
);
lazy_re!(
    BASE_AVERAGE_WAGE,
    r"(?P<an>按(?:照)?)?(?:社平|社会平均|平均)工资(?:的)?\s*(?P<v>⟨PCT⟩)?"
);

lazy_re!(
    RATE_AFTER_KEYWORD,
    r"(?:缴费|个人|单位)?(?:费率|比例|比率)(?:(?:改成|改为|换成|是|为|按照|按|就)\s*)*(?P<v>⟨PCT⟩|⟨NUM⟩)"
);
lazy_re!(RATE_AFTER_AN, r"按(?:照)?\s*(?P<v>⟨PCT⟩)");
lazy_re!(
    RATE_BEFORE_KEYWORD,
    r"(?P<v>⟨PCT⟩)\s*(?:的)?\s*(?:缴费)?(?:比例|费率)"
);
lazy_re!(
    RATE_CONTEXT_NOT_OURS,
    r"滞纳|利息|利率|罚款|罚金|每天|每日|按日|日息|报销|赔付|支付|涨|增长|提高|下调|上调|降低|下降|降了"
);

lazy_re!(
    YEARS_PAID,
    r"(?P<pre>已经|已|一共|总共|累计|共|连续|又|再)?(?P<verb>缴费|缴纳|交费|参保|交|缴)(?P<tense>了|过)?(?P<full>满|够|足)?(?:了)?\s*(?:养老保险|医疗保险|养老|医保|社保|保险)?\s*(?P<tense2>了)?\s*(?:有|差不多|大概|大约|约)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    YEARS_MISSING,
    r"(?:还|总共|一共)?(?:差|缺|少)(?:了)?\s*(?:有|差不多|大概|大约|约)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    YEARS_GAP,
    r"(?:断缴|断交|断保|断档|中断|停缴|停保|停交|欠缴|欠费|没有交|没有缴|没交|没缴|未交|未缴|断|停|欠)(?:了)?\s*(?:养老保险|医疗保险|养老|医保|社保|保险)?\s*(?:了)?\s*(?:有|差不多|大概|大约|约)?\s*(?P<v>⟨YEARS⟩)|(?:有)?(?P<w>⟨YEARS⟩)\s*(?:没有|没|未)(?:交|缴)|(?:有)?(?P<x>⟨YEARS⟩)\s*(?:断缴|断保|断交|断了|中断)"
);
lazy_re!(
    YEARS_REPAID,
    r"(?:补缴|补交|补)(?:了)?\s*(?:养老保险|医疗保险|养老|医保|社保|保险)?\s*(?:了)?\s*(?:其中(?:的)?)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    YEARS_REQUIRED,
    r"(?:当地|本地|这边|那边|我们那|政策)?(?:要求|规定|需要|需)(?:要)?(?:缴费|缴纳|交费|缴|交)?(?:满|够|足)?\s*(?P<v>⟨YEARS⟩)"
);
lazy_re!(
    QUESTION,
    r"吗|么|是不是|要不要|需不需要|能不能|可不可以|才能|才可以|才行|必须|需要|得交|要交|多少|几年"
);

lazy_re!(MONTHS_YM, r"(?P<v>⟨NUM⟩年(?:零|又)?⟨NUM⟩个月)");
lazy_re!(MONTHS, r"(?P<v>⟨NUM⟩\s*个\s*(?:半|多)?\s*月|⟨NUM⟩个季度)");
lazy_re!(HALF_YEAR, r"(?P<v>半年)");
lazy_re!(
    DAYS,
    r"(?P<v>⟨NUM⟩\s*(?:个)?\s*(?:天|星期|礼拜|周)(?P<more>多)?)"
);

lazy_re!(
    AMOUNT_AFTER_KEYWORD,
    r"(?:欠了|欠费|欠缴|欠款|欠|金额|本金|总额|总共|一共|共计|合计|应缴|应补)\s*(?:(?:是|为|有|了|大概|大约|约|差不多)\s*)*(?P<v>⟨NUM⟩\s*⟨MONEY⟩?)(?P<more>多)?"
);
lazy_re!(AMOUNT_WITH_UNIT, r"(?P<v>⟨NUM⟩\s*⟨MONEY⟩)(?P<more>多)?");
lazy_re!(
    AMOUNT_NOT_OURS_BEFORE,
    r"每月|每个月|一个月|月缴|每年|一年|月薪|工资|收入|报销|花了|花费|医药费|住院|赔|罚|补贴|利息|滞纳金|标准|档次|交多少|养老金|退休金|待遇|领"
);
lazy_re!(
    AMOUNT_NOT_OURS_AFTER,
    r"^\s*(?:一个月|每月|每个月|一年|每年|/月|/年)"
);

lazy_re!(
    CHANGE_TO,
    r"(?:(?:改成|改为|换成|变成|调成|调到|应该是)|(?:不对|错了|说错了|不是)\s*(?:是|应该是)?)\s*(?P<v>⟨PCT⟩|⟨NUM⟩\s*⟨MONEY⟩?)"
);
lazy_re!(CHANGE_KEYWORD, r"基数|费率|比例|欠|金额|本金");

lazy_re!(
    EMPLOYER,
    r"(?:给|为|替|帮)(?:员工|职工|工人|雇员)|(?:我们|我|本)(?:公司|单位|企业|厂)(?:的)?(?:员工|职工|工人)|我是(?:老板|hr|人事|会计|法人|单位|企业|公司)|作为(?:用人单位|单位|企业|公司|老板|雇主)|(?:企业|公司|单位)(?:要|需要|想)?(?:给|为)(?:员工|职工)|(?:公司|单位|企业|厂)(?:里)?有\s*⟨NUM⟩?\s*(?:个|名)?(?:员工|职工|工人)"
);
lazy_re!(RETIREE, r"退休");
lazy_re!(RETIREE_NOT, r"延迟退休|延退|退休金|退休工资");
lazy_re!(
    RESIDENT,
    r"城乡居民|居民医保|居民医疗|居民养老|居民保险|新农合|农合|新农保|城居保|城镇居民"
);
lazy_re!(
    FLEXIBLE,
    r"灵活就业|零活就业|自由职业|个体户|个体|打零工|零工|以个人身份|个人身份"
);
lazy_re!(
    EMPLOYEE,
    r"职工|在职|上班|员工|打工|(?:单位|公司|厂里)(?:给我|帮我)?(?:交|缴)|(?:单位|公司|厂里)(?:没|不|没有)(?:给我|帮我)|(?:单位|公司)欠(?:了)?我"
);

lazy_re!(PENSION, r"养老|退休金|退休工资|新农保|城居保");
lazy_re!(PENSION_NOT, r"养老院");
lazy_re!(MEDICAL, r"医保|医疗|看病|住院|新农合|农合");

lazy_re!(
    GENDER_SAID,
    r"(?:我是|我|本人|性别)\s*(?:是|为)?\s*(?P<g>男|女)(?P<s>的|性|士|生|同志|职工)?"
);
lazy_re!(
    GENDER_AGE,
    r"(?P<g>男|女)(?:的|性|士)?\s*⟨NUM⟩\s*(?:周岁|岁)"
);
lazy_re!(GENDER_WORKER, r"(?P<g>男|女)职工");
// The relative a question is asked for ("我爸退休了医保差三年", "帮俺娘问问"): the person whose
// contributions are counted. Not a pair ("我爸妈", "俺爹娘"): see `Scanner::gender`.
lazy_re!(
    GENDER_KIN,
    r"(?:我|俺|咱)(?:家)?(?:的)?(?P<k>妈妈|老妈|母亲|妈|娘|爸爸|老爸|父亲|爸|爹|老公|丈夫|老婆|媳妇|妻子)"
);
lazy_re!(
    GENDER_DESCRIBED,
    r"我是.{0,12}?的(?P<g>男|女)(?:性|生|士|的|同志)"
);
