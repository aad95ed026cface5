// Shared by the chat (/) and the console (/console). No framework, no build step.
// Everything that came from a user or the knowledge base is put on the page with textContent;
// the only markup taken from the server is the <mark> of search snippets, rebuilt node by node.
"use strict";

const B = (() => {
  /** Create an element: el("p", {class: "x", text: "…"}, child, …). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** POST (with a body) or GET a JSON endpoint; resolves to {ok, status, data}. */
  async function api(path, body) {
    const init = body === undefined
      ? { headers: { accept: "application/json" } }
      : { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) };
    try {
      const res = await fetch(path, init);
      let data = null;
      try { data = await res.json(); } catch (_) { data = null; }
      return { ok: res.ok, status: res.status, data };
    } catch (e) {
      return { ok: false, status: 0, data: { error: { code: "network", message: "网络连接失败，请稍后再试。" } } };
    }
  }

  const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": "\"", "&#x27;": "'", "&#39;": "'", "&#34;": "\"" };
  function unescapeHtml(s) {
    return s.replace(/&(lt|gt|amp|quot|#x27|#39|#34);/g, (m) => ENTITIES[m] || m);
  }

  /** A server snippet (escaped text with <mark>…</mark>) as DOM nodes, without innerHTML. */
  function snippet(html) {
    const frag = document.createDocumentFragment();
    const parts = String(html).split(/(<mark>|<\/mark>)/);
    let inMark = false;
    for (const p of parts) {
      if (p === "<mark>") { inMark = true; continue; }
      if (p === "</mark>") { inMark = false; continue; }
      if (!p) continue;
      const text = unescapeHtml(p);
      frag.append(inMark ? el("mark", { text }) : document.createTextNode(text));
    }
    return frag;
  }

  function money(v) { return v === null || v === undefined ? "" : String(v); }

  /** A calculator result as a table (line, formula, amount) with the total, notes and disclaimer. */
  function resultView(r, onSource) {
    const rows = (r.lines || []).map((l) =>
      el("tr", {},
        el("th", { scope: "row", text: l.label }),
        el("td", { class: "formula", text: l.formula }),
        el("td", { class: "num", text: l.amount ? money(l.amount) : "—" })));
    const table = el("table", { class: "result-table" },
      el("caption", { text: r.title }),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col", text: "项目" }),
        el("th", { scope: "col", text: "计算方式" }),
        el("th", { scope: "col", class: "num", text: "金额（元）" }))),
      el("tbody", {}, rows),
      r.total ? el("tfoot", {}, el("tr", { class: "total" },
        el("th", { scope: "row", colspan: "2", text: "合计" }),
        el("td", { class: "num total-amount", text: money(r.total) }))) : null);
    const box = el("div", { class: "result" }, el("div", { class: "table-wrap" }, table));
    const d = r.detail || {};
    if (r.kind === "waiting_period") {
      if (d.rule) box.append(el("p", { class: "rule" }, el("strong", { text: "结论：" }), d.rule));
      if (d.coverage_from) box.append(el("p", {}, el("strong", { text: "预计开始享受待遇：" }), d.coverage_from));
    }
    for (const w of r.warnings || []) box.append(el("p", { class: "warning", text: "⚠ " + w }));
    if ((r.assumptions || []).length) {
      box.append(el("p", { class: "small-head", text: "说明" }),
        el("ul", { class: "assumptions" }, r.assumptions.map((a) => el("li", { text: a }))));
    }
    const basis = (r.sources || []).map((s) => {
      const title = s.year && !String(s.title).includes(String(s.year)) ? `${s.title}（${s.year}年）` : s.title;
      const m = /^law:(.+)$/.exec(s.id || "");
      if (m && onSource) {
        return el("a", { href: "/v1/faq/" + encodeURIComponent(m[1]), onclick: (ev) => { ev.preventDefault(); onSource(m[1]); } }, title);
      }
      return el("span", { text: title });
    });
    if (r.policy) basis.push(el("span", { text: `${r.policy.region}${r.policy.year}年政策数据` }));
    if (basis.length) {
      const p = el("p", { class: "basis" }, el("strong", { text: "依据：" }));
      basis.forEach((b, i) => { if (i) p.append("；"); p.append(b); });
      box.append(p);
    }
    box.append(el("p", { class: "disclaimer", text: r.disclaimer }));
    return box;
  }

  /** The same result as plain text, to copy or read out. */
  function resultText(r) {
    const out = [`【${r.title}】`];
    for (const l of r.lines || []) out.push(l.amount ? `${l.label}：${l.formula} = ${l.amount} 元` : `${l.label}：${l.formula}`);
    if (r.total) out.push(`合计：${r.total} 元`);
    const d = r.detail || {};
    if (d.rule) out.push(`结论：${d.rule}`);
    if (d.coverage_from) out.push(`预计开始享受待遇：${d.coverage_from}`);
    for (const w of r.warnings || []) out.push(`注意：${w}`);
    for (const a of r.assumptions || []) out.push(`说明：${a}`);
    out.push(r.disclaimer);
    return out.join("\n");
  }

  /** Copy text; the hidden #clipboard textarea keeps the last copy (and is the fallback). */
  async function copy(text, status) {
    let area = document.getElementById("clipboard");
    if (!area) {
      area = el("textarea", { id: "clipboard", class: "visually-hidden", "aria-hidden": "true", tabindex: "-1", readonly: true });
      document.body.append(area);
    }
    area.value = text;
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        // Headless and unfocused pages may never settle the promise: give it a second.
        ok = await Promise.race([
          navigator.clipboard.writeText(text).then(() => true, () => false),
          new Promise((r) => setTimeout(() => r(false), 1000)),
        ]);
      }
    } catch (_) { ok = false; }
    if (!ok) {
      const active = document.activeElement;
      area.select();
      try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
      if (active && active.focus) active.focus();
    }
    if (status) {
      status.textContent = ok ? "已复制" : "已选中，请按 Ctrl+C 复制";
      clearTimeout(status._t);
      status._t = setTimeout(() => { status.textContent = ""; }, 4000);
    }
    return ok;
  }

  const KIND = { faq: "问答", article: "文章", law: "法规" };
  const INSURANCE = { medical: "医疗保险", pension: "养老保险", any: "不限险种" };
  const AUDIENCE = { employee: "职工", flexible: "灵活就业", resident: "城乡居民", retiree: "退休人员", employer: "用人单位", unemployed: "失业人员", any: "不限" };

  /** Badges for an entry that is superseded or past its year. */
  function flags(e) {
    const out = [];
    if (e.superseded) out.push(el("span", { class: "badge badge-old", text: "已被新版取代" }));
    if (e.expired) out.push(el("span", { class: "badge badge-old", text: "已过有效年度" }));
    return out;
  }

  /** Answer text with the little Markdown articles use (## headings, **bold**) as DOM nodes. */
  function richText(text) {
    const box = el("div", { class: "answer" });
    let para = null;
    for (const line of String(text).split("\n")) {
      const h = /^#{1,6}\s+(.*)$/.exec(line);
      if (h) { box.append(el("h4", { text: h[1] })); para = null; continue; }
      if (!line.trim()) { para = null; continue; }
      if (!para) { para = el("p", {}); box.append(para); } else { para.append(el("br")); }
      line.split(/\*\*(.+?)\*\*/).forEach((part, i) => {
        if (part) para.append(i % 2 ? el("strong", { text: part }) : document.createTextNode(part));
      });
    }
    return box;
  }

  /** A full knowledge entry (GET /v1/faq/{id}) as a panel; `open(id)` follows links. */
  function entryView(d, open) {
    const link = (l) => el("a", { href: "/v1/faq/" + encodeURIComponent(l.id), onclick: (ev) => { ev.preventDefault(); open(l.id); } },
      l.title + (l.regions && l.regions.length ? `（${l.regions.join("、")}）` : ""));
    const meta = [KIND[d.kind] || d.kind];
    meta.push(d.regions.length ? d.regions.join("、") : "全国");
    if (d.insurance) meta.push(INSURANCE[d.insurance] || d.insurance);
    const box = el("article", { class: "entry" },
      el("h2", { class: "entry-title", tabindex: "-1", text: d.question }),
      el("p", { class: "meta" }, meta.join(" · "), " ", flags(d)),
      richText(d.answer));
    if (d.sources.length) {
      box.append(el("h3", { text: "依据" }), el("ul", { class: "sources" }, d.sources.map((s) => el("li", {},
        s.entry ? link({ id: s.entry, title: s.title }) : s.url ? el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank" }, s.title) : s.title))));
    }
    const dates = [];
    if (d.effective) dates.push(`生效：${d.effective}`);
    if (d.updated) dates.push(`核对：${d.updated}`);
    if (dates.length) box.append(el("p", { class: "dates", text: dates.join("　") }));
    if (d.superseded_by.length) box.append(el("p", { class: "warning" }, "已有新版：", d.superseded_by.map(link)));
    if (d.local_versions.length) {
      box.append(el("h3", { text: "地方规定" }), el("ul", {}, d.local_versions.map((l) => el("li", {}, link(l)))));
    }
    if (d.localizes.length) {
      box.append(el("h3", { text: "对应的全国规定" }), el("ul", {}, d.localizes.map((l) => el("li", {}, link(l)))));
    }
    return box;
  }

  return { el, api, snippet, richText, resultView, resultText, copy, entryView, flags, KIND, INSURANCE, AUDIENCE };
})();
