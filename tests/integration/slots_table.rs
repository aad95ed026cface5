//! Table-driven tests of the slot extractor: one row per message, with every slot it must fill
//! and nothing else. Negative rows (phone numbers, hotlines, dates, late-fee rates, chit-chat)
//! expect an empty description, so any wrongly extracted slot fails them.

use std::sync::LazyLock;

use bujiao::calc::{BaseSpec, Category, Gender, Insurance, MonthsSpec};
use bujiao::dialogue::regions::RegionTable;
use bujiao::dialogue::slots::{extract, Extraction, SlotName};

static REGIONS: LazyLock<RegionTable> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge/dict/regions.toml");
    let text = std::fs::read_to_string(path).expect("regions.toml");
    RegionTable::from_toml(&text).expect("valid regions.toml")
});

/// A compact, ordered description of an extraction: "insurance=pension months=6 correction".
fn describe(e: &Extraction) -> String {
    let s = &e.slots;
    let mut out: Vec<String> = Vec::new();
    if let Some(i) = s.insurance {
        out.push(
            match i {
                Insurance::Pension => "insurance=pension",
                Insurance::Medical => "insurance=medical",
            }
            .into(),
        );
    }
    if let Some(c) = s.category {
        let c = match c {
            Category::Employee => "employee",
            Category::Flexible => "flexible",
            Category::Resident => "resident",
            Category::Retiree => "retiree",
            Category::Employer => "employer",
        };
        out.push(format!("category={c}"));
    }
    if let Some(r) = &s.region {
        out.push(format!("region={r}"));
    }
    match s.base {
        Some(BaseSpec::Amount(a)) => out.push(format!("base={}", a.normalize())),
        Some(BaseSpec::Grade(g)) => out.push(format!("base=grade:{}", g.normalize())),
        None => {}
    }
    if let Some(r) = s.rate {
        out.push(format!("rate={}", r.normalize()));
    }
    match s.months {
        Some(MonthsSpec::Count { months }) => out.push(format!("months={months}")),
        Some(MonthsSpec::Period { from, to }) => out.push(format!(
            "months={}-{:02}..{}-{:02}",
            from.year, from.month, to.year, to.month
        )),
        None => {}
    }
    if let Some(a) = s.amount {
        out.push(format!("amount={}", a.normalize()));
    }
    if let Some(d) = s.days {
        out.push(format!("days={d}"));
    }
    for (name, v) in [
        ("years", s.years),
        ("paid", s.paid_years),
        ("missing", s.missing_years),
        ("gap", s.gap_years),
        ("repaid", s.repaid_years),
        ("required", s.required_years),
    ] {
        if let Some(v) = v {
            out.push(format!("{name}={}", v.normalize()));
        }
    }
    if let Some(g) = s.gender {
        out.push(
            match g {
                Gender::Male => "gender=m",
                Gender::Female => "gender=f",
            }
            .into(),
        );
    }
    if let Some(d) = s.from {
        out.push(format!("from={d}"));
    }
    if let Some(d) = s.to {
        out.push(format!("to={d}"));
    }
    for p in &e.problems {
        out.push(format!("problem={}:{}", p.slot.as_str(), p.input));
    }
    if e.correction {
        out.push("correction".into());
    }
    out.join(" ")
}

use SlotName as S;

/// (message, slot the engine just asked for, expected description)
const ROWS: &[(&str, Option<SlotName>, &str)] = &[
    // ---- full sentences ----
    (
        "灵活就业 补缴养老 基数0.6万 半年",
        None,
        "insurance=pension category=flexible base=6000 months=6",
    ),
    (
        "当地要求交满25年,我医保交了20年",
        None,
        "insurance=medical paid=20 required=25",
    ),
    ("医保需要交满25年吗", None, "insurance=medical"),
    (
        "2024年1月15号应交,3月1号才交",
        None,
        "from=2024-01-15 to=2024-03-01",
    ),
    (
        "2024年11月20日到1月5日",
        None,
        "from=2024-11-20 to=2025-01-05",
    ),
    ("3000和20%", Some(S::Base), "base=3000 rate=0.2"),
    ("5000 6个月", Some(S::Base), "base=5000 months=6"),
    ("一年380", Some(S::Amount), "amount=380"),
    ("每人每年400元", Some(S::Amount), "amount=400"),
    ("25年", Some(S::RequiredYears), "required=25"),
    ("3k", Some(S::Base), "base=3000"),
    ("两千五一个月", Some(S::Base), "base=2500"),
    ("基数3000 补多少", None, "base=3000"),
    ("基数3000 今年没交", None, "base=3000"),
    (
        "基数3000 2024年1月到6月没交",
        None,
        "base=3000 months=2024-01..2024-06",
    ),
    (
        "基数3000 今年1月到6月",
        None,
        "base=3000 problem=months:今年1月到6月",
    ),
    (
        "今年1月到6月 基数3000",
        None,
        "base=3000 problem=months:今年1月到6月",
    ),
    (
        "灵活就业 养老 基数3000 今年1月到6月没交 补多少",
        None,
        "insurance=pension category=flexible base=3000 problem=months:今年1月到6月",
    ),
    (
        "欠了1万多少滞纳金 晚了30天多少钱",
        None,
        "amount=10000 days=30",
    ),
    ("补缴5个月多少钱", None, "months=5"),
    ("医保交了15年多少钱", None, "insurance=medical paid=15"),
    (
        "医保费率8%基数4000补缴5个月",
        None,
        "insurance=medical base=4000 rate=0.08 months=5",
    ),
    (
        "我是个体户,2024年全年的养老没交",
        None,
        "insurance=pension category=flexible months=2024-01..2024-12",
    ),
    ("每月3000元", Some(S::Base), "base=3000"),
    (
        "基数是3000,不对,是4000",
        Some(S::Base),
        "base=4000 correction",
    ),
    ("基数是3000,不对,是4000", None, "base=4000 correction"),
    ("欠了5000,不对,是6000", None, "amount=6000 correction"),
    ("1.2w", Some(S::Amount), "amount=12000"),
    ("应该2025年10月1日交的", Some(S::Days), "from=2025-10-01"),
    (
        "灵活就业,基数3000,按20%补缴养老保险6个月",
        None,
        "insurance=pension category=flexible base=3000 rate=0.2 months=6",
    ),
    (
        "我在武汉,女,医保交了15年",
        None,
        "insurance=medical region=武汉 paid=15 gender=f",
    ),
    (
        "我在武汉 女 医保交了15年",
        None,
        "insurance=medical region=武汉 paid=15 gender=f",
    ),
    (
        "我是灵活就业人员,想补缴2024年3月到8月的养老保险",
        None,
        "insurance=pension category=flexible months=2024-03..2024-08",
    ),
    (
        "2024-03至2024-08的医保能补吗",
        None,
        "insurance=medical months=2024-03..2024-08",
    ),
    (
        "2023年11月到2024年2月断缴了",
        None,
        "months=2023-11..2024-02",
    ),
    ("2024.3-2024.8没交", None, "months=2024-03..2024-08"),
    ("从2024年3月份到8月份", None, "months=2024-03..2024-08"),
    ("24年3月到8月的", None, "months=2024-03..2024-08"),
    ("2024年的3月到8月没交", None, "months=2024-03..2024-08"),
    ("3月到8月没交", None, "problem=months:3月到8月"),
    ("单位欠了我半年的社保", None, "category=employee months=6"),
    (
        "欠了1万,晚交了45天,滞纳金多少",
        None,
        "amount=10000 days=45",
    ),
    (
        "公司欠缴社保12,000元 逾期30天",
        None,
        "amount=12000 days=30",
    ),
    (
        "宜昌的 退休了 医保交了18年 还差7年",
        None,
        "insurance=medical category=retiree region=宜昌 paid=18 missing=7",
    ),
    (
        "北京 男 职工医保缴费20年 差5年",
        None,
        "insurance=medical category=employee region=北京 paid=20 missing=5 gender=m",
    ),
    (
        "居民医保断了2年 补了1年",
        None,
        "insurance=medical category=resident gap=2 repaid=1",
    ),
    (
        "新农合断缴三年了 补交了两年",
        None,
        "insurance=medical category=resident gap=3 repaid=2",
    ),
    (
        "个体户 按最低档交养老 补缴5个月",
        None,
        "insurance=pension category=flexible base=grade:0.6 months=5",
    ),
    (
        "深圳灵活就业,基数按60%,费率8%,补医保3个月",
        None,
        "insurance=medical category=flexible region=深圳 base=grade:0.6 rate=0.08 months=3",
    ),
    (
        "我们公司要给员工补缴社保 欠了3个月",
        None,
        "category=employer months=3",
    ),
    (
        "我是hr 单位欠缴了2个月养老保险 一共1.5万",
        None,
        "insurance=pension category=employer months=2 amount=15000",
    ),
    (
        "从2024年1月15日到2024年3月1日 欠了8000元",
        None,
        "amount=8000 from=2024-01-15 to=2024-03-01",
    ),
    (
        "2024年1月15日开始欠费,欠了5000",
        None,
        "amount=5000 from=2024-01-15",
    ),
    (
        "女 55岁 退休了 医保交了18年",
        None,
        "insurance=medical category=retiree paid=18 gender=f",
    ),
    (
        "广东省深圳市 灵活就业 养老",
        None,
        "insurance=pension category=flexible region=深圳",
    ),
    // ---- corrections ----
    ("不对,是5个月", None, "months=5 correction"),
    ("不是3个月,是5个月", None, "months=5 correction"),
    ("基数改成6000", None, "base=6000 correction"),
    ("基数3000改成6000", None, "base=6000 correction"),
    ("费率改成10%", None, "rate=0.1 correction"),
    ("费率从8%改成10%", None, "rate=0.1 correction"),
    ("说错了,欠了1万2", None, "amount=12000 correction"),
    ("改成半年", None, "months=6 correction"),
    (
        "应该是2024年3月到5月",
        None,
        "months=2024-03..2024-05 correction",
    ),
    ("是不是要补", None, ""),
    // ---- base ----
    ("基数3000", None, "base=3000"),
    ("基数是3000元", None, "base=3000"),
    ("缴费基数5000", None, "base=5000"),
    ("基数1.2万", None, "base=12000"),
    ("基数3千", None, "base=3000"),
    ("基数一万二", None, "base=12000"),
    ("按5千的基数交医保", None, "insurance=medical base=5000"),
    ("按5000基数", None, "base=5000"),
    ("基数按最低档", None, "base=grade:0.6"),
    ("按最低交", None, "base=grade:0.6"),
    ("按最低的交就行", None, "base=grade:0.6"),
    ("最低档", None, "base=grade:0.6"),
    ("选最高档", None, "base=grade:3"),
    ("按中档交", None, "base=grade:1"),
    ("基数60%", None, "base=grade:0.6"),
    ("基数百分之六十", None, "base=grade:0.6"),
    ("按60%档交", None, "base=grade:0.6"),
    ("按60%的基数", None, "base=grade:0.6"),
    ("300%档", None, "base=grade:3"),
    ("100%档", None, "base=grade:1"),
    ("按社平工资的60%交", None, "base=grade:0.6"),
    ("基数20", None, "problem=base:20"),
    ("最低缴费年限是15年吗", None, ""),
    ("基数 按20%交", None, "rate=0.2"),
    // ---- rate ----
    ("费率8%", None, "rate=0.08"),
    ("比例百分之八", None, "rate=0.08"),
    ("比例百分之八点五", None, "rate=0.085"),
    ("20%的比例", None, "rate=0.2"),
    ("按百分之二十交", None, "rate=0.2"),
    ("缴费比例是20%", None, "rate=0.2"),
    ("个人缴费比例8%", None, "rate=0.08"),
    ("费率0.09", None, "rate=0.09"),
    ("费率9", None, "rate=0.09"),
    ("按20个点交", None, "rate=0.2"),
    ("按20%补缴", None, "rate=0.2"),
    ("费率200%", None, "problem=rate:200%"),
    ("报销比例90%", None, ""),
    ("按70%报销", None, ""),
    ("滞纳金是不是万分之五", None, ""),
    ("滞纳金按0.05%每天算吗", None, ""),
    ("滞纳金按日加收万分之五", None, ""),
    ("千分之二的滞纳金", None, ""),
    ("费率上调了2%", None, ""),
    // ---- months ----
    ("6个月", None, "months=6"),
    ("三个月", None, "months=3"),
    ("补了两个月", None, "months=2"),
    ("补缴半年", None, "months=6"),
    ("一年零三个月", None, "months=15"),
    ("1年3个月", None, "months=15"),
    ("俩个月", None, "months=2"),
    ("十二个月", None, "months=12"),
    ("两个季度", None, "months=6"),
    ("三个半月", None, "problem=months:三个半月"),
    ("断了3个多月", None, "problem=months:3个多月"),
    ("第3个月", None, ""),
    ("每个月交多少", None, ""),
    ("一个月交多少钱", None, ""),
    ("断缴3个月以内可以补吗", None, ""),
    ("超过3个月怎么办", None, ""),
    ("上半年没交", None, ""),
    ("三月份断的", None, ""),
    ("几个月", None, ""),
    ("1年3个月没交", None, "gap=1.25"),
    // ---- amount ----
    ("欠了1万", None, "amount=10000"),
    ("欠缴12,000元", None, "amount=12000"),
    ("欠费一万二", None, "amount=12000"),
    ("欠了1.2万", None, "amount=12000"),
    ("欠了两千五", None, "amount=2500"),
    ("金额是5000", None, "amount=5000"),
    ("总共3000块钱", None, "amount=3000"),
    ("12,000元", None, "amount=12000"),
    ("本金8000", None, "amount=8000"),
    ("欠了1万2", None, "amount=12000"),
    ("一共欠了8000多", None, "problem=amount:8000多"),
    ("工资5000元", None, ""),
    ("每月交500元", None, ""),
    ("住院花了2万元", None, "insurance=medical"),
    ("滞纳金500元", None, ""),
    ("报销了3000块", None, ""),
    ("一块去办", None, ""),
    ("欠了3次", None, ""),
    // ---- days ----
    ("30天", None, "days=30"),
    ("晚交了45天", None, "days=45"),
    ("逾期三十天", None, "days=30"),
    ("晚了两周", None, "days=14"),
    ("30天内要补上吗", None, ""),
    ("自用工之日起三十日内", None, ""),
    // ---- years ----
    ("缴了18年", None, "paid=18"),
    ("交了十八年", None, "paid=18"),
    ("累计缴费18年半", None, "paid=18.5"),
    ("交了15年3个月", None, "paid=15.25"),
    ("参保了20年", None, "paid=20"),
    ("差5年", None, "missing=5"),
    ("还差两年半", None, "missing=2.5"),
    ("还差5年退休", None, "category=retiree"),
    ("断了2年", None, "gap=2"),
    ("断缴两年", None, "gap=2"),
    ("有3年没交", None, "gap=3"),
    ("医保断保4年了", None, "insurance=medical gap=4"),
    ("补了1年", None, "repaid=1"),
    ("补缴3年", None, "repaid=3"),
    ("满15年才能领吗", None, ""),
    ("交满15年才能领养老金吗", None, "insurance=pension"),
    ("我已经交满15年了还要交吗", None, "paid=15"),
    ("是不是要交够15年", None, ""),
    ("医保交了15年 养老交了10年", None, "paid=10"),
    ("交了2024年的", None, ""),
    ("18年开始交的", None, ""),
    // ---- gender ----
    ("男", None, "gender=m"),
    ("女的", None, "gender=f"),
    ("我是男的", None, "gender=m"),
    ("性别女", None, "gender=f"),
    ("本人女 灵活就业", None, "category=flexible gender=f"),
    ("我女儿的医保", None, "insurance=medical"),
    ("我男朋友的社保", None, ""),
    ("女职工50岁退休吗", None, "category=retiree gender=f"),
    // The relative asked about; not a pair, not relatives of both genders.
    (
        "我爸退休医保差三年",
        None,
        "insurance=medical category=retiree missing=3 gender=m",
    ),
    ("帮俺娘问问", None, "gender=f"),
    ("我妈的医保", None, "insurance=medical gender=f"),
    ("我爸妈的医保", None, "insurance=medical"),
    ("我爸和我妈都没交", None, ""),
    ("我妈说我是男的", None, "gender=m"),
    // ---- dates ----
    ("2024-01-15", None, "from=2024-01-15"),
    ("2024年1月15日开始欠的", None, "from=2024-01-15"),
    ("到2024-03-01才交上", None, "to=2024-03-01"),
    ("2024/1/15", None, "from=2024-01-15"),
    ("1月15号开始欠的", None, "problem=from:1月15号"),
    ("2024-02-30开始欠的", None, "problem=from:2024-02-30"),
    ("我1月15号去问过", None, ""),
    // ---- insurance ----
    ("养老", None, "insurance=pension"),
    ("养老保险", None, "insurance=pension"),
    ("养老金", None, "insurance=pension"),
    ("医疗", None, "insurance=medical"),
    ("医保", None, "insurance=medical"),
    ("医疗保险", None, "insurance=medical"),
    ("看病能报吗", None, "insurance=medical"),
    ("养老和医保都断了", None, ""),
    ("社保", None, ""),
    ("社保断了怎么办", None, ""),
    ("养老院多少钱一个月", None, ""),
    // ---- category ----
    ("职工", None, "category=employee"),
    ("在职职工", None, "category=employee"),
    ("我在上班", None, "category=employee"),
    ("单位交的", None, "category=employee"),
    ("我们单位没给我交社保", None, "category=employee"),
    ("自由职业", None, "category=flexible"),
    ("打零工的", None, "category=flexible"),
    (
        "灵活就业交职工医保",
        None,
        "insurance=medical category=flexible",
    ),
    ("城乡居民医保", None, "insurance=medical category=resident"),
    (
        "城乡居民养老保险",
        None,
        "insurance=pension category=resident",
    ),
    ("退休了", None, "category=retiree"),
    ("延迟退休怎么算", None, ""),
    ("退休金", None, "insurance=pension"),
    ("我是老板", None, "category=employer"),
    ("我们单位在哪交社保", None, ""),
    // ---- regions ----
    ("我在武汉", None, "region=武汉"),
    ("湖北宜昌的", None, "region=宜昌"),
    ("北京市", None, "region=北京"),
    ("上海南站附近", None, "region=上海"),
    ("乐平市", None, "region=乐平"),
    ("内蒙古自治区", None, "region=内蒙古"),
    ("内蒙的", None, "region=内蒙古"),
    ("在魔都上班", None, "category=employee region=上海"),
    ("重庆", None, "region=重庆"),
    ("菏泽", None, "region=菏泽"),
    ("山东烟台", None, "region=烟台"),
    ("快乐平安", None, ""),
    ("中山路上的社保局", None, ""),
    ("北京时间几点", None, ""),
    // ---- approximate figures, plans, unit prices ----
    ("之后断了一年多", None, "problem=gap_years:一年多"),
    (
        "医保断缴了半年多怎么办",
        None,
        "insurance=medical problem=months:半年多",
    ),
    (
        "养老保险交20年和交15年有什么区别",
        None,
        "insurance=pension",
    ),
    ("我想交满15年", None, ""),
    ("交了5年了断了2年又交了3年", None, "paid=8 gap=2"),
    (
        "去年3月到今年2月没交",
        None,
        "problem=months:去年3月到今年2月",
    ),
    ("两千五一个月", None, ""),
    ("3000一个月", None, ""),
    ("一个月400块钱的医保", None, "insurance=medical"),
    ("两个月前断的", None, ""),
    ("我想交最低的", None, "base=grade:0.6"),
    ("最低交多少", None, ""),
    (
        "医保断了三个月还能报销吗",
        None,
        "insurance=medical months=3",
    ),
    ("我们公司有5个员工", None, "category=employer"),
    ("我是1975年3月出生的男性", None, "gender=m"),
    ("零活就业", None, "category=flexible"),
    ("我是江西景德镇乐平的", None, "region=景德镇"),
    ("一个半月", Some(S::Days), "problem=days:一个半月"),
    // ---- must extract nothing ----
    ("打12333问了", None, ""),
    ("我的电话是13812345678", None, ""),
    ("身份证号110101199003071234", None, ""),
    ("拨打12393咨询医保", None, "insurance=medical"),
    ("打95518", None, ""),
    ("你好", None, ""),
    ("谢谢", None, ""),
    ("在吗", None, ""),
    ("第八十六条说的是什么", None, ""),
    ("国办发2019年13号文", None, ""),
    ("2024年断缴的", None, ""),
    ("我今年55岁", None, ""),
    ("60%到300%之间怎么选", None, ""),
    ("灵活就业基数可以选60%-300%吗", None, "category=flexible"),
    ("3点去社保局", None, ""),
    ("12345", None, ""),
    // ---- expecting: months ----
    ("5", Some(S::Months), "months=5"),
    ("五个", Some(S::Months), "months=5"),
    ("三个月", Some(S::Months), "months=3"),
    ("半年", Some(S::Months), "months=6"),
    ("两年", Some(S::Months), "months=24"),
    ("一年半", Some(S::Months), "months=18"),
    ("2024年3月到8月", Some(S::Months), "months=2024-03..2024-08"),
    (
        "2023年11月到2024年2月",
        Some(S::Months),
        "months=2023-11..2024-02",
    ),
    ("abc", Some(S::Months), "problem=months:abc"),
    ("三个半月", Some(S::Months), "problem=months:三个半月"),
    ("3月到8月", Some(S::Months), "problem=months:3月到8月"),
    ("不对,是5", Some(S::Months), "months=5 correction"),
    ("大概6个月吧", Some(S::Months), "months=6"),
    ("1000", Some(S::Months), "problem=months:1000"),
    ("基数3000", Some(S::Months), "base=3000"),
    ("滞纳金怎么算", Some(S::Months), ""),
    ("你们几点下班", Some(S::Months), ""),
    // ---- expecting: rate ----
    ("20", Some(S::Rate), "rate=0.2"),
    ("20%", Some(S::Rate), "rate=0.2"),
    ("百分之八", Some(S::Rate), "rate=0.08"),
    ("0.09", Some(S::Rate), "rate=0.09"),
    ("8个点", Some(S::Rate), "rate=0.08"),
    ("abc", Some(S::Rate), "problem=rate:abc"),
    ("200", Some(S::Rate), "problem=rate:200"),
    // ---- expecting: base ----
    ("3000", Some(S::Base), "base=3000"),
    ("最低", Some(S::Base), "base=grade:0.6"),
    ("60%", Some(S::Base), "base=grade:0.6"),
    ("60", Some(S::Base), "base=grade:0.6"),
    ("一万二", Some(S::Base), "base=12000"),
    ("5千", Some(S::Base), "base=5000"),
    ("最高档", Some(S::Base), "base=grade:3"),
    ("abc", Some(S::Base), "problem=base:abc"),
    // ---- expecting: amount ----
    ("5000", Some(S::Amount), "amount=5000"),
    ("一万二", Some(S::Amount), "amount=12000"),
    ("1.2万", Some(S::Amount), "amount=12000"),
    ("12,000元", Some(S::Amount), "amount=12000"),
    ("两千五", Some(S::Amount), "amount=2500"),
    ("abc", Some(S::Amount), "problem=amount:abc"),
    // ---- expecting: days ----
    ("45", Some(S::Days), "days=45"),
    ("30天", Some(S::Days), "days=30"),
    ("两周", Some(S::Days), "days=14"),
    ("两个月", Some(S::Days), "problem=days:两个月"),
    ("45天,欠了1万", Some(S::Days), "amount=10000 days=45"),
    // ---- expecting: years ----
    ("18", Some(S::Years), "years=18"),
    ("18年半", Some(S::Years), "years=18.5"),
    ("十八年", Some(S::Years), "years=18"),
    ("15", Some(S::PaidYears), "paid=15"),
    ("2", Some(S::GapYears), "gap=2"),
    ("1年", Some(S::RepaidYears), "repaid=1"),
    ("交了12年", Some(S::Years), "paid=12"),
    ("2024年", Some(S::Years), "problem=years:2024年"),
    // ---- expecting: gender, region, insurance, category, dates ----
    ("女", Some(S::Gender), "gender=f"),
    ("男的", Some(S::Gender), "gender=m"),
    ("abc", Some(S::Gender), "problem=gender:abc"),
    ("武汉", Some(S::Region), "region=武汉"),
    ("火星", Some(S::Region), "problem=region:火星"),
    ("养老", Some(S::Insurance), "insurance=pension"),
    ("社保", Some(S::Insurance), "problem=insurance:社保"),
    ("灵活就业", Some(S::Category), "category=flexible"),
    ("学生", Some(S::Category), "category=resident"),
    ("单位", Some(S::Category), "category=employee"),
    ("2024-01-15", Some(S::From), "from=2024-01-15"),
    ("1月15号", Some(S::From), "problem=from:1月15号"),
    ("2024年3月1日", Some(S::To), "to=2024-03-01"),
];

#[test]
fn table_has_enough_rows() {
    assert!(ROWS.len() >= 150, "only {} rows", ROWS.len());
}

#[test]
fn extraction_table() {
    let mut failures = Vec::new();
    for (text, expecting, want) in ROWS {
        let got = describe(&extract(text, *expecting, &REGIONS));
        if got != *want {
            failures.push(format!(
                "{text:?} (expecting {:?})\n    want: {want}\n    got:  {got}",
                expecting.map(SlotName::as_str)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

#[test]
fn problems_read_as_questions() {
    let e = extract("三个半月", Some(SlotName::Months), &REGIONS);
    assert_eq!(
        e.problems[0].message(),
        "我没看懂“三个半月”，请说整月数，如 3个月"
    );
    let e = extract("abc", Some(SlotName::Months), &REGIONS);
    assert_eq!(e.problems[0].message(), "我没看懂“abc”，请说月数，如 3个月");
}

#[test]
fn extraction_round_trips_through_json() {
    let e = extract(
        "灵活就业,基数3000,按20%补缴养老保险2024年3月到8月",
        None,
        &REGIONS,
    );
    let json = serde_json::to_string(&e).unwrap();
    let back: Extraction = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    assert!(json.contains("\"rate\":\"0.2\""), "{json}");
    let empty: bujiao::dialogue::slots::Slots = serde_json::from_str("{}").unwrap();
    assert!(empty.is_empty());
}

#[test]
fn the_shipped_region_file_is_complete() {
    use bujiao::dialogue::regions::RegionKind;
    let provinces = REGIONS
        .regions()
        .iter()
        .filter(|r| r.kind == RegionKind::Province)
        .count();
    assert_eq!(provinces, 34);
    let cities = REGIONS.len() - provinces;
    assert!(cities >= 80, "{cities} cities");
    for name in [
        "北京",
        "上海",
        "广州",
        "深圳",
        "天津",
        "杭州",
        "宁波",
        "武汉",
        "成都",
        "宜昌",
        "珠海",
        "南通",
        "苏州",
        "福州",
        "青岛",
        "烟台",
        "济南",
        "徐州",
        "景德镇",
        "乐平",
        "菏泽",
        "重庆",
    ] {
        assert!(REGIONS.get(name).is_some(), "{name} missing");
    }
}

/// One value as both channels read it: `bujiao calc …` (through `calc::input`) and the chat (the
/// message normalised as the engine does, then a bare answer to the slot's question).
#[derive(Debug, PartialEq)]
enum Read {
    Months(MonthsSpec),
    Rate(rust_decimal::Decimal),
    Amount(rust_decimal::Decimal),
    Date(chrono::NaiveDate),
}

fn by_cli(slot: SlotName, input: &str, year: Option<i32>) -> Option<Read> {
    use bujiao::calc::input;
    match slot {
        SlotName::Months => input::parse_months_in(input, year).ok().map(Read::Months),
        SlotName::Rate => input::parse_rate(input).ok().map(Read::Rate),
        SlotName::Amount => input::parse_amount(input).ok().map(Read::Amount),
        SlotName::From => input::parse_date_in(input, year).ok().map(Read::Date),
        _ => unreachable!("not in the shared table"),
    }
}

fn by_chat(slot: SlotName, input: &str, year: Option<i32>) -> Option<Read> {
    use bujiao::dialogue::slots::{extract_with, Context};
    let text = bujiao::text::normalize(input);
    let context = Context { default_year: year };
    let s = extract_with(&text, Some(slot), &REGIONS, context).slots;
    match slot {
        SlotName::Months => s.months.map(Read::Months),
        SlotName::Rate => s.rate.map(Read::Rate),
        SlotName::Amount => s.amount.map(Read::Amount),
        SlotName::From => s.from.map(Read::Date),
        _ => unreachable!("not in the shared table"),
    }
}

/// Inputs the CLI and the chat must read alike (the union of what each used to accept), and
/// inputs both must refuse.
const SHARED: &[(SlotName, &str)] = &[
    (SlotName::Months, "6"),
    (SlotName::Months, "6个月"),
    (SlotName::Months, "六个月"),
    (SlotName::Months, "半年"),
    (SlotName::Months, "两年半"),
    (SlotName::Months, "1年3个月"),
    (SlotName::Months, "一年零三个月"),
    (SlotName::Months, "一年整"),
    (SlotName::Months, "2024-03"),
    (SlotName::Months, "2024年3月"),
    (SlotName::Months, "二〇二四年三月"),
    (SlotName::Months, "2024-03至2024-08"),
    (SlotName::Months, "2024-03 to 2024-08"),
    (SlotName::Months, "2024-03-2024-08"),
    (SlotName::Months, "2024年3月到8月"),
    (SlotName::Months, "2024年3月到2024年8月"),
    (SlotName::Months, "24年3月到8月"),
    (SlotName::Months, "2023年11月到2月"),
    (SlotName::Months, "二〇二四年三月至八月"),
    (SlotName::Months, "２０２４－０３至２０２４－０８"),
    (SlotName::Rate, "20%"),
    (SlotName::Rate, "２０％"),
    (SlotName::Rate, "百分之二十"),
    (SlotName::Rate, "百分之八点五"),
    (SlotName::Rate, "0.2"),
    (SlotName::Rate, "20"),
    (SlotName::Rate, "16个点"),
    (SlotName::Rate, "八个百分点"),
    (SlotName::Rate, "千分之五"),
    (SlotName::Rate, "5‰"),
    (SlotName::Amount, "12000"),
    (SlotName::Amount, "12,000元"),
    (SlotName::Amount, "1.2万"),
    (SlotName::Amount, "一万二"),
    (SlotName::Amount, "两千五"),
    (SlotName::Amount, "3k"),
    (SlotName::Amount, "1.2w"),
    (SlotName::Amount, "3333.33块"),
    (SlotName::Amount, "五千块钱"),
    (SlotName::From, "2024-01-15"),
    (SlotName::From, "2024/1/15"),
    (SlotName::From, "2024.1.15"),
    (SlotName::From, "2024年1月15日"),
    (SlotName::From, "2024年1月15号"),
    (SlotName::From, "24年1月15日"),
    (SlotName::From, "二〇二四年一月十五日"),
    (SlotName::From, "20240115"),
];

const REFUSED_BY_BOTH: &[(SlotName, &str)] = &[
    (SlotName::Months, "三个半月"),
    (SlotName::Months, "1.5个月"),
    (SlotName::Months, "601个月"),
    (SlotName::Months, "2024年8月到2023年3月"),
    (SlotName::Months, "3月到8月"),
    (SlotName::From, "2023-02-29"),
    (SlotName::From, "1月15号"),
    (SlotName::Amount, "abc"),
];

#[test]
fn the_cli_and_the_chat_accept_the_same_inputs() {
    let mut failures = Vec::new();
    for &(slot, input) in SHARED {
        let (cli, chat) = (by_cli(slot, input, None), by_chat(slot, input, None));
        if cli.is_none() || cli != chat {
            failures.push(format!("{input:?} ({slot:?}): cli {cli:?}, chat {chat:?}"));
        }
    }
    for &(slot, input) in REFUSED_BY_BOTH {
        let (cli, chat) = (by_cli(slot, input, None), by_chat(slot, input, None));
        if cli.is_some() || chat.is_some() {
            failures.push(format!(
                "{input:?} ({slot:?}) should be refused: cli {cli:?}, chat {chat:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_default_year_completes_yearless_months_and_dates() {
    let ym = |year, month| bujiao::calc::YearMonth { year, month };
    let date = |m, d| chrono::NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let cases = [
        (
            SlotName::Months,
            "3月到8月",
            Read::Months(MonthsSpec::Period {
                from: ym(2025, 3),
                to: ym(2025, 8),
            }),
        ),
        (
            SlotName::Months,
            "11月到2月",
            Read::Months(MonthsSpec::Period {
                from: ym(2025, 11),
                to: ym(2026, 2),
            }),
        ),
        (SlotName::From, "1月15号", Read::Date(date(1, 15))),
        (
            SlotName::From,
            "2024年1月15日",
            Read::Date(chrono::NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()),
        ),
    ];
    for (slot, input, want) in cases {
        assert_eq!(
            by_cli(slot, input, Some(2025)).as_ref(),
            Some(&want),
            "cli {input}"
        );
        assert_eq!(
            by_chat(slot, input, Some(2025)).as_ref(),
            Some(&want),
            "chat {input}"
        );
    }
    // In free text too: the year the conversation gives.
    use bujiao::dialogue::slots::{extract_with, Context};
    let e = extract_with(
        "从3月1号开始欠费",
        None,
        &REGIONS,
        Context {
            default_year: Some(2025),
        },
    );
    assert_eq!(e.slots.from, Some(date(3, 1)));
    let e = extract_with(
        "补缴3月到8月的养老",
        None,
        &REGIONS,
        Context {
            default_year: Some(2025),
        },
    );
    assert_eq!(
        e.slots.months,
        Some(MonthsSpec::Period {
            from: ym(2025, 3),
            to: ym(2025, 8)
        })
    );
}
