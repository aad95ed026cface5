// The hotline staff's console on /console: search as you type, keyboard-only navigation, the full
// entry with a copy button, and the four calculators as forms.
"use strict";

(() => {
  const { el, api } = B;
  const q = document.getElementById("q");
  const hitsBox = document.getElementById("hits");
  const status = document.getElementById("search-status");
  const detail = document.getElementById("detail");
  const copyEntry = document.getElementById("copy-entry");
  const filters = {
    region: document.getElementById("f-region"),
    insurance: document.getElementById("f-insurance"),
    audience: document.getElementById("f-audience"),
    kind: document.getElementById("f-kind"),
  };

  let hits = [];
  let active = -1;
  let current = null; // the entry shown
  let seq = 0;
  let timer = 0;

  // ---- filters ----
  (async () => {
    const res = await api("/v1/filters");
    if (!res.ok) return;
    const f = res.data;
    const fill = (sel, values, names) => {
      for (const v of values) sel.append(el("option", { value: v, text: names ? names[v] || v : v }));
    };
    fill(filters.region, f.regions);
    fill(filters.insurance, f.insurance, B.INSURANCE);
    fill(filters.audience, f.audience, B.AUDIENCE);
    fill(filters.kind, f.kind, B.KIND);
  })();
  Object.values(filters).forEach((s) => s.addEventListener("change", () => search()));

  // ---- search ----
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  }

  async function search() {
    clearTimeout(timer);
    timer = 0;
    const text = q.value.trim();
    const mine = ++seq;
    if (!text) {
      hits = []; active = -1; render(); status.textContent = "";
      return;
    }
    const params = new URLSearchParams({ q: text, limit: "20" });
    for (const [k, s] of Object.entries(filters)) if (s.value) params.set(k, s.value);
    status.textContent = "检索中…";
    const res = await api("/v1/search?" + params);
    if (mine !== seq) return; // a newer search is under way
    if (!res.ok) {
      hits = []; active = -1; render();
      status.textContent = res.data && res.data.error ? res.data.error.message : "检索失败";
      return;
    }
    hits = res.data.hits;
    active = hits.length ? 0 : -1;
    render();
    status.textContent = hits.length ? `共 ${hits.length} 条` : "没有找到相关条目";
  }

  function render() {
    hitsBox.replaceChildren(...hits.map((h, i) => el("li", {
      id: "hit-" + i, role: "option", class: "hit" + (i === active ? " active" : ""),
      "aria-selected": i === active ? "true" : "false", "data-id": h.id,
      onclick: () => { active = i; render(); open(h.id); },
    },
    el("div", { class: "hit-head" },
      el("span", { class: "badge badge-kind", text: B.KIND[h.kind] || h.kind }),
      el("span", { class: "hit-title", text: h.title }),
      h.regions.length ? el("span", { class: "badge badge-region", text: h.regions.join("、") }) : null,
      B.flags(h)),
    el("p", { class: "snippet" }, B.snippet(h.snippet)),
    el("p", { class: "hit-meta", text: [h.id, h.updated ? "核对 " + h.updated : "", "相关度 " + h.score.toFixed(2)].filter(Boolean).join(" · ") }))));
    q.setAttribute("aria-expanded", hits.length ? "true" : "false");
    if (active >= 0) {
      q.setAttribute("aria-activedescendant", "hit-" + active);
      const li = document.getElementById("hit-" + active);
      if (li && li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
    } else {
      q.removeAttribute("aria-activedescendant");
    }
  }

  async function open(id) {
    const res = await api("/v1/faq/" + encodeURIComponent(id));
    if (!res.ok) {
      detail.replaceChildren(el("p", { text: "没有找到这个条目。" }));
      current = null; copyEntry.disabled = true;
      return;
    }
    current = res.data;
    detail.replaceChildren(B.entryView(current, open));
    copyEntry.disabled = false;
    const h = detail.querySelector(".entry-title");
    if (h) h.focus();
  }

  copyEntry.addEventListener("click", () => {
    if (current) B.copy(current.plain, document.getElementById("copy-status"));
  });

  q.addEventListener("input", schedule);
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!hits.length) return;
      ev.preventDefault();
      const step = ev.key === "ArrowDown" ? 1 : -1;
      active = (active + step + hits.length) % hits.length;
      render();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (timer && q.value.trim()) { search(); return; }
      if (active >= 0 && hits[active]) open(hits[active].id);
    } else if (ev.key === "Escape") {
      if (q.value) { ev.preventDefault(); q.value = ""; search(); }
    }
  });
  document.getElementById("search-form").addEventListener("submit", (ev) => ev.preventDefault());

  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    const typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (ev.key === "/" && !typing) {
      ev.preventDefault();
      q.focus(); q.select();
    } else if (ev.key === "Escape" && t !== q) {
      // Back from the entry (or a form) to the hits.
      ev.preventDefault();
      q.focus();
    } else if ((ev.key === "c" || ev.key === "C") && !typing && !ev.ctrlKey && !ev.metaKey && current && detail.contains(t)) {
      copyEntry.click();
    }
  });

  // ---- calculators ----
  const FORMS = [
    { id: "contribution", title: "补缴金额", fields: [
      { name: "insurance", label: "险种", options: [["", "（按政策表）"], ["pension", "养老保险"], ["medical", "医疗保险"]] },
      { name: "category", label: "参保身份", options: [["", "（未指定）"], ["employee", "单位职工"], ["flexible", "灵活就业"], ["resident", "城乡居民"]] },
      { name: "region", label: "地区", placeholder: "北京" },
      { name: "base", label: "缴费基数", placeholder: "5000、最低档、60%" },
      { name: "rate", label: "费率", placeholder: "20%（不填按政策）" },
      { name: "months", label: "补缴月数", placeholder: "6 或 2024-03至2024-08" },
      { name: "annual_amount", label: "居民年缴费额", placeholder: "居民险种填写" },
      { name: "as_of", label: "政策日期", type: "date" },
    ] },
    { id: "late-fee", title: "滞纳金", fields: [
      { name: "amount", label: "欠缴金额（元）", placeholder: "10000" },
      { name: "days", label: "逾期天数", placeholder: "30" },
      { name: "from", label: "应缴日期", type: "date" },
      { name: "to", label: "缴纳日期", type: "date" },
      { name: "monthly", label: "按月明细：每月欠缴", placeholder: "1000（与月份区间、缴纳日期同用）" },
      { name: "months", label: "按月明细：月份区间", placeholder: "2024-01至2024-06" },
      { name: "due_day", label: "每月截止日", placeholder: "15" },
    ] },
    { id: "retiree-topup", title: "退休医保补缴", fields: [
      { name: "region", label: "地区", placeholder: "天津" },
      { name: "gender", label: "性别", options: [["", "（未指定）"], ["male", "男"], ["female", "女"]] },
      { name: "paid_years", label: "实际缴费年限", placeholder: "15" },
      { name: "deemed_years", label: "视同缴费年限", placeholder: "0" },
      { name: "required_years", label: "要求年限（不填按政策）", placeholder: "25" },
      { name: "base", label: "补缴基数", placeholder: "5000" },
      { name: "rate", label: "补缴费率", placeholder: "10%" },
      { name: "as_of", label: "政策日期", type: "date" },
    ] },
    { id: "waiting-period", title: "医保等待期", fields: [
      { name: "category", label: "参保类型", options: [["", "（未指定）"], ["resident", "城乡居民"], ["employee", "单位职工"], ["flexible", "灵活就业"]] },
      { name: "region", label: "地区", placeholder: "职工医保需填写" },
      { name: "gap_years", label: "断保年数（居民）", placeholder: "2" },
      { name: "years_repaid", label: "补缴年数（居民）", placeholder: "1" },
      { name: "exempt", label: "新生儿等免等待期人群", type: "checkbox" },
      { name: "during_collection_period", label: "在集中征缴期内缴费", type: "checkbox" },
      { name: "pay_date", label: "缴费日期", type: "date" },
      { name: "gap_from", label: "断缴开始日期（职工）", type: "date" },
      { name: "gap_days", label: "断缴天数（职工）", placeholder: "45" },
      { name: "gap_months", label: "断缴月数（职工）", placeholder: "2" },
    ] },
  ];

  const tabs = document.getElementById("calc-tabs");
  const formsBox = document.getElementById("calc-forms");
  const resultBox = document.getElementById("calc-result");
  const copyCalc = document.getElementById("copy-calc");
  let lastResult = null;

  function buildForm(spec) {
    const general = el("p", { class: "form-error", role: "alert", id: `calc-${spec.id}-error` });
    const form = el("form", { class: "calc-form", id: "calc-" + spec.id, role: "tabpanel", "aria-labelledby": "tab-" + spec.id, novalidate: true, hidden: true, "data-calc": spec.id });
    const grid = el("div", { class: "grid" });
    for (const f of spec.fields) {
      const id = `c-${spec.id}-${f.name}`;
      const err = el("span", { class: "field-error", id: id + "-error" });
      let control;
      if (f.options) {
        control = el("select", { id, name: f.name }, f.options.map(([v, t]) => el("option", { value: v, text: t })));
      } else if (f.type === "checkbox") {
        control = el("input", { id, name: f.name, type: "checkbox" });
      } else {
        control = el("input", { id, name: f.name, type: f.type || "text", placeholder: f.placeholder || "", inputmode: f.type ? undefined : "text" });
      }
      control.setAttribute("aria-describedby", err.id);
      const wrap = el("div", { class: "field" + (f.type === "checkbox" ? " check" : "") },
        f.type === "checkbox" ? el("label", {}, control, " ", f.label) : [el("label", { for: id, text: f.label }), control],
        err);
      grid.append(wrap);
    }
    form.append(grid, el("div", { class: "form-actions" },
      el("button", { type: "submit", text: "计算" }),
      el("button", { type: "reset", class: "ghost", text: "清空" })), general);
    form.addEventListener("submit", (ev) => { ev.preventDefault(); compute(spec, form, general); });
    form.addEventListener("reset", () => {
      clearErrors(form, general);
      resultBox.replaceChildren(); lastResult = null; copyCalc.disabled = true;
    });
    return form;
  }

  function clearErrors(form, general) {
    general.textContent = "";
    form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  }

  async function compute(spec, form, general) {
    clearErrors(form, general);
    const body = {};
    for (const f of spec.fields) {
      const c = form.elements[f.name];
      if (f.type === "checkbox") { if (c.checked) body[f.name] = true; }
      else if (c.value.trim()) body[f.name] = c.value.trim();
    }
    const res = await api("/v1/calc/" + spec.id, body);
    if (res.ok) {
      lastResult = res.data;
      resultBox.replaceChildren(B.resultView(res.data, open));
      copyCalc.disabled = false;
      return;
    }
    lastResult = null; copyCalc.disabled = true;
    resultBox.replaceChildren();
    const e = (res.data && res.data.error) || { message: "计算失败" };
    const field = e.field && form.elements[e.field];
    if (field) {
      field.setAttribute("aria-invalid", "true");
      document.getElementById(`c-${spec.id}-${e.field}-error`).textContent = e.message;
      field.focus();
    } else {
      general.textContent = e.message;
    }
  }

  copyCalc.addEventListener("click", () => {
    if (lastResult) B.copy(B.resultText(lastResult), document.getElementById("calc-copy-status"));
  });

  function select(id) {
    for (const f of FORMS) {
      const on = f.id === id;
      document.getElementById("calc-" + f.id).hidden = !on;
      const t = document.getElementById("tab-" + f.id);
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
    }
  }

  FORMS.forEach((spec, i) => {
    tabs.append(el("button", {
      type: "button", role: "tab", id: "tab-" + spec.id, "aria-controls": "calc-" + spec.id, "data-calc": spec.id,
      onclick: () => select(spec.id),
      onkeydown: (ev) => {
        if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
        const next = FORMS[(i + (ev.key === "ArrowRight" ? 1 : FORMS.length - 1)) % FORMS.length];
        select(next.id);
        document.getElementById("tab-" + next.id).focus();
      },
    }, spec.title));
    formsBox.append(buildForm(spec));
  });
  select(FORMS[0].id);

  q.focus();
})();
