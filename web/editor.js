// The editors' page on /console/editor, over the admin API (/v1/admin/, docs/admin-api.md): sign in
// with a token (kept in sessionStorage), list and edit entries with live validation, preview which
// entry answers a question, the unanswered queue, the audit log with diffs and reverts, and stats.
// Every text from the server goes on the page through B.el (textContent), never innerHTML.
"use strict";

(() => {
  const { el } = B;
  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;
  const TOKEN_KEY = "bujiao.editor.token";

  let token = "";
  let me = null; // {label, role}
  const canWrite = () => !!me && me.role === "editor";

  // ------------------------------------------------------------------ requests

  /** A JSON request with the editor's token; resolves to {ok, status, data, etag}. */
  async function call(method, path, body, headers) {
    const h = { accept: "application/json" };
    if (token) h.authorization = "Bearer " + token;
    if (body !== undefined) h["content-type"] = "application/json";
    Object.assign(h, headers || {});
    try {
      const res = await fetch(path, {
        method, headers: h, cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let data = null;
      try { data = await res.json(); } catch (_) { data = null; }
      if (res.status === 401 && me) signOut("登录已失效，请重新输入令牌。");
      return { ok: res.ok, status: res.status, data, etag: res.headers.get("etag") };
    } catch (_) {
      return { ok: false, status: 0, data: { error: { code: "network", message: "网络连接失败，请稍后再试。" } } };
    }
  }
  const errorOf = (res) => (res.data && res.data.error) || {};
  function errMsg(res) {
    const e = errorOf(res);
    if (res.status === 403) return "只读令牌不能做这个操作。";
    if (res.status === 404 && e.code === "not_found" && /route|path|endpoint/i.test(e.message || "")) return "服务器还没有这个接口（" + (e.message || "404") + "）";
    return e.message || `请求失败（HTTP ${res.status}）`;
  }

  const later = (fn, ms) => {
    let t = 0;
    const f = (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
    f.cancel = () => clearTimeout(t);
    return f;
  };
  const say = (id, text) => { $(id).textContent = text || ""; };
  const fmtTime = (s) => {
    if (!s) return "";
    const d = new Date(s);
    if (isNaN(d)) return String(s);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  };

  // ------------------------------------------------------------------ sign-in

  function show(which) {
    $("boot").hidden = true;
    $("off").hidden = which !== "off";
    $("signin").hidden = which !== "signin";
    $("app").hidden = which !== "app";
    $("who").hidden = which !== "app";
  }

  /** Check `t` with whoami; on success the page opens. */
  async function signIn(t, fromForm) {
    token = t;
    const res = await call("GET", "/v1/admin/whoami");
    if (res.ok && res.data) {
      sessionStorage.setItem(TOKEN_KEY, t);
      me = res.data;
      opened();
      return;
    }
    token = "";
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (res.status === 404 && errorOf(res).code === "admin_disabled") { show("off"); return; }
    show("signin");
    if (fromForm) {
      say("signin-error", res.status === 401 ? "令牌不对，请检查后重试。" : errMsg(res));
      $("token").setAttribute("aria-invalid", "true");
      $("token").focus();
      $("token").select();
    }
  }

  function signOut(why) {
    token = "";
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("token").value = "";
    show("signin");
    say("signin-error", why || "");
    $("token").removeAttribute("aria-invalid");
    $("token").focus();
  }

  $("signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = $("token").value.trim();
    if (!t) { say("signin-error", "请输入编辑令牌。"); $("token").focus(); return; }
    say("signin-error", "");
    signIn(t, true);
  });
  $("token").addEventListener("input", () => $("token").removeAttribute("aria-invalid"));
  $("sign-out").addEventListener("click", () => signOut(""));

  let openedOnce = false;
  function opened() {
    show("app");
    say("who-label", me.label);
    say("who-role", canWrite() ? "编辑" : "只读");
    $("who-role").className = "badge " + (canWrite() ? "badge-ok" : "badge-old");
    $("ro-note").hidden = canWrite();
    document.body.classList.toggle("read-only", !canWrite());
    updateButtons();
    if (!openedOnce) {
      openedOnce = true;
      loadFilters();
    }
    loadList();
    $("l-q").focus();
    followHash();
  }

  /** `#faq=<id>` opens an entry, `#unanswered`, `#audit`, `#stats` a tab (links and reloads). */
  function followHash() {
    const h = decodeURIComponent(location.hash.slice(1));
    const m = /^faq=(.+)$/.exec(h);
    if (m) { selectTab("entries"); openEntry(m[1]); }
    else if (TABS.includes(h)) selectTab(h);
  }
  window.addEventListener("hashchange", () => { if (me) followHash(); });
  const setHash = (h) => { if (location.hash.slice(1) !== h) history.replaceState(null, "", h ? "#" + h : location.pathname); };

  // ------------------------------------------------------------------ tabs

  const TABS = ["entries", "unanswered", "audit", "stats"];
  const loaders = { unanswered: () => loadUnanswered(), audit: () => loadAudit(false), stats: () => loadStats() };
  function selectTab(name, focus) {
    for (const t of TABS) {
      const tab = $("tab-" + t);
      const on = t === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      $("view-" + t).hidden = !on;
      if (on && focus) tab.focus();
    }
    if (loaders[name]) loaders[name]();
    if (name !== "entries") setHash(name);
    else setHash(cur && !cur.isNew ? "faq=" + cur.id : "");
  }
  TABS.forEach((t, i) => {
    const tab = $("tab-" + t);
    tab.addEventListener("click", () => selectTab(t));
    tab.addEventListener("keydown", (ev) => {
      let j = -1;
      if (ev.key === "ArrowRight") j = (i + 1) % TABS.length;
      else if (ev.key === "ArrowLeft") j = (i - 1 + TABS.length) % TABS.length;
      else if (ev.key === "Home") j = 0;
      else if (ev.key === "End") j = TABS.length - 1;
      if (j < 0) return;
      ev.preventDefault();
      selectTab(TABS[j], true);
    });
  });

  // ------------------------------------------------------------------ entry list

  const list = { items: [], total: 0, seq: 0 };
  const listFilters = ["l-status", "l-region", "l-insurance"];

  async function loadFilters() {
    const res = await B.api("/v1/filters");
    if (!res.ok) return;
    const fill = (sel, values, names) => {
      for (const v of values || []) sel.append(el("option", { value: v, text: names ? names[v] || v : v }));
    };
    fill($("l-region"), res.data.regions);
    fill($("l-insurance"), res.data.insurance, B.INSURANCE);
  }

  async function loadList(more) {
    const mine = ++list.seq;
    const p = new URLSearchParams({ limit: "50", offset: more ? String(list.items.length) : "0" });
    const q = $("l-q").value.trim();
    if (q) p.set("q", q);
    if ($("l-status").value) p.set("status", $("l-status").value);
    if ($("l-region").value) p.set("region", $("l-region").value);
    if ($("l-insurance").value) p.set("insurance", $("l-insurance").value);
    if ($("l-stale").checked) p.set("stale", "true");
    say("list-status", "载入中…");
    const res = await call("GET", "/v1/admin/faq?" + p);
    if (mine !== list.seq) return;
    if (!res.ok) {
      if (!more) { list.items = []; renderRows(); }
      say("list-status", errMsg(res));
      return;
    }
    list.items = more ? list.items.concat(res.data.items) : res.data.items;
    list.total = res.data.total;
    renderRows();
    say("list-status", list.total ? `共 ${list.total} 条${list.items.length < list.total ? `，已显示 ${list.items.length} 条` : ""}` : "没有符合条件的条目");
  }
  const scheduleList = later(() => loadList(), 250);
  $("l-q").addEventListener("input", scheduleList);
  $("list-form").addEventListener("submit", (ev) => { ev.preventDefault(); scheduleList.cancel(); loadList(); });
  listFilters.forEach((id) => $(id).addEventListener("change", () => loadList()));
  $("l-stale").addEventListener("change", () => loadList());
  $("more").addEventListener("click", () => loadList(true));

  const STATUS = { published: "已发布", draft: "草稿" };
  function renderRows() {
    $("rows").replaceChildren(...list.items.map((it) => el("li", {},
      el("button", {
        type: "button", class: "row" + (cur && cur.id === it.id ? " current" : ""), "data-id": it.id,
        "aria-current": cur && cur.id === it.id ? "true" : null,
        onclick: () => openEntry(it.id),
      },
      el("span", { class: "row-q", text: it.question }),
      el("span", { class: "row-meta" },
        el("code", { class: "row-id", text: it.id }),
        el("span", { class: "badge " + (it.status === "published" ? "badge-ok" : ""), text: STATUS[it.status] || it.status }),
        it.has_draft ? el("span", { class: "badge badge-draft", text: "有草稿" }) : null,
        it.stale ? el("span", { class: "badge badge-old", text: "已过期" }) : null,
        it.updated ? el("span", { class: "row-date", text: "核对 " + it.updated }) : null)))));
    $("more").hidden = list.items.length >= list.total;
  }

  // ------------------------------------------------------------------ the edit form

  /** The entry in the form: {id, version, record, draft, isNew, editingDraft}. */
  let cur = null;
  const FIELDS = ["id", "file", "question", "similar", "answer", "tags", "insurance", "audience", "regions", "status", "sources", "supersedes", "localizes", "effective", "expires", "updated"];
  const LINES = ["similar", "sources"];
  const LISTS = ["tags", "regions", "supersedes", "localizes"];

  for (const [v, name] of Object.entries(B.AUDIENCE)) {
    const id = "e-aud-" + v;
    $("e-audience").append(el("label", { for: id, class: "check" },
      el("input", { type: "checkbox", id, value: v, name: "audience" }), " ", name));
  }

  const splitLines = (s) => s.split("\n").map((x) => x.trim()).filter(Boolean);
  const splitList = (s) => s.split(/[,，、;；\n]+/).map((x) => x.trim()).filter(Boolean);

  function fill(r) {
    r = r || {};
    for (const f of FIELDS) {
      if (f === "audience") {
        const set = new Set(r.audience || []);
        $("e-audience").querySelectorAll("input").forEach((c) => { c.checked = set.has(c.value); });
        continue;
      }
      const v = r[f];
      let s;
      if (LINES.includes(f)) s = (v || []).join("\n");
      else if (LISTS.includes(f)) s = (v || []).join("、");
      else s = v === null || v === undefined ? "" : String(v);
      if (f === "insurance" && !s) s = "any";
      if (f === "status" && !s) s = "published";
      $("e-" + f).value = s;
    }
  }

  /** The form as a FaqRecord (fields this page does not know are kept from the loaded record). */
  function readForm() {
    const base = cur && cur.base ? Object.assign({}, cur.base) : {};
    const r = base;
    for (const f of FIELDS) {
      if (f === "audience") {
        // Keep the loaded order (no spurious diff), newly ticked ones after.
        const on = [...$("e-audience").querySelectorAll("input:checked")].map((c) => c.value);
        const before = (base.audience || []).filter((a) => on.includes(a));
        r.audience = before.concat(on.filter((a) => !before.includes(a)));
        continue;
      }
      const v = $("e-" + f).value;
      if (LINES.includes(f)) r[f] = splitLines(v);
      else if (LISTS.includes(f)) r[f] = splitList(v);
      else if (f === "expires") r[f] = v.trim() || null;
      else if (f === "answer") r[f] = v;
      else r[f] = v.trim();
    }
    return r;
  }

  async function openEntry(id, opts) {
    opts = opts || {};
    say("save-status", opts.keepStatus ? $("save-status").textContent : "");
    const res = await call("GET", "/v1/admin/faq/" + enc(id));
    if (!res.ok) {
      say("save-status", errMsg(res));
      return;
    }
    const d = res.data;
    const etag = res.etag ? res.etag.replace(/^W\//, "").replace(/"/g, "") : "";
    cur = { id: d.record.id || id, version: d.version || etag, record: d.record, draft: d.draft || null, isNew: false };
    showForm(!!cur.draft && !opts.published);
    setHash("faq=" + cur.id);
    renderRows();
    if (!opts.keepFocus) $("form-title").focus();
  }

  function showForm(editingDraft) {
    cur.editingDraft = editingDraft;
    cur.base = editingDraft ? cur.draft.record : cur.record;
    fill(cur.base);
    $("form-placeholder").hidden = true;
    $("entry-form").hidden = false;
    $("form-title").textContent = cur.isNew ? "新建条目" : "编辑条目";
    say("form-version", cur.isNew ? "未保存" : "版本 " + cur.version);
    $("e-id").readOnly = !cur.isNew;
    $("e-file").readOnly = !cur.isNew;
    const note = $("draft-note");
    note.replaceChildren();
    if (!cur.isNew && cur.draft) {
      const d = cur.draft;
      const who = [d.by, fmtTime(d.at)].filter(Boolean).join(" 于 ");
      if (editingDraft) {
        note.append(el("p", {}, el("strong", { text: "正在编辑草稿" }),
          `（${who || "未知"} 保存${d.base_version ? "，基于版本 " + d.base_version : ""}）。线上仍是已发布的版本。`),
        el("button", { type: "button", class: "ghost small", onclick: () => { showForm(false); validateSoon(); }, text: "改为编辑已发布版本" }));
      } else {
        note.append(el("p", {}, "这个条目有未发布的草稿", who ? `（${who}）` : "", "。"),
          el("button", { type: "button", class: "ghost small", onclick: () => { showForm(true); validateSoon(); }, text: "载入草稿" }));
      }
      if (d.base_version && cur.version && String(d.base_version) !== String(cur.version)) {
        note.append(el("p", { class: "warning", text: `草稿之后条目已被改过（草稿基于版本 ${d.base_version}，现在是 ${cur.version}）。` }));
      }
    }
    note.hidden = !note.childNodes.length;
    hideAlerts();
    clearMsgs();
    updateButtons();
    validateSoon();
  }

  function newEntry() {
    cur = { id: "", version: null, record: null, draft: null, isNew: true, base: null };
    showForm(false);
    const today = chinaToday();
    $("e-file").value = "";
    $("e-effective").value = today;
    $("e-updated").value = today;
    renderRows();
    $("e-question").focus();
  }

  function chinaToday() {
    const d = new Date(Date.now() + 8 * 3600 * 1000);
    return d.toISOString().slice(0, 10);
  }

  function updateButtons() {
    const w = canWrite();
    const has = !!cur;
    const existing = has && !cur.isNew;
    const draft = existing && !!cur.draft;
    $("new-entry").disabled = !w;
    $("publish").disabled = !w || !has;
    $("save-draft").disabled = !w || !has;
    $("publish-draft").disabled = !w || !draft;
    $("discard-draft").disabled = !w || !draft;
    $("delete-entry").disabled = !w || !existing;
    $("override-go").disabled = !w;
    $("p-edited").disabled = !has;
    document.querySelectorAll("[data-write]").forEach((b) => {
      if (!w) b.title = "只读令牌不能修改"; else b.removeAttribute("title");
    });
  }

  // ---- field messages

  function fieldOf(name) {
    const base = String(name || "").match(/^[a-z_]+/);
    const f = base ? base[0] : "";
    return FIELDS.includes(f) ? f : "";
  }

  function clearMsgs() {
    document.querySelectorAll("#entry-form .field-msgs").forEach((m) => m.replaceChildren());
    document.querySelectorAll("#entry-form [aria-invalid]").forEach((x) => x.removeAttribute("aria-invalid"));
  }

  /** Put problems (errors) and warnings beside their fields. */
  function showMsgs(problems, warnings) {
    clearMsgs();
    const put = (p, kind) => {
      const f = fieldOf(p.field);
      const box = $(f ? `e-${f}-msg` : "form-msgs");
      const label = !f && p.field ? `${p.field}：` : "";
      box.append(el("p", { class: kind === "error" ? "field-error" : "field-warning", text: (kind === "error" ? "" : "提醒：") + label + p.message }));
      if (kind === "error" && f) {
        const ctl = f === "audience" ? $("e-audience").querySelector("input") : $("e-" + f);
        if (ctl) ctl.setAttribute("aria-invalid", "true");
      }
    };
    (problems || []).forEach((p) => put(p, "error"));
    (warnings || []).forEach((p) => put(p, "warning"));
  }

  let vseq = 0;
  async function validate() {
    if (!cur) return;
    const mine = ++vseq;
    const res = await call("POST", "/v1/admin/validate", { record: readForm() });
    if (mine !== vseq) return;
    if (!res.ok) { say("validate-status", res.status === 403 ? "" : "检查失败：" + errMsg(res)); return; }
    const { problems = [], warnings = [] } = res.data || {};
    showMsgs(problems, warnings);
    say("validate-status", problems.length ? `有 ${problems.length} 处需要修改${warnings.length ? `，${warnings.length} 条提醒` : ""}`
      : warnings.length ? `格式正确，有 ${warnings.length} 条提醒` : "格式检查通过");
  }
  const validateSoon = later(validate, 400);
  $("entry-form").addEventListener("input", () => { say("save-status", ""); validateSoon(); });
  $("entry-form").addEventListener("change", validateSoon);
  $("e-today").addEventListener("click", () => { $("e-updated").value = chinaToday(); validateSoon(); });

  // ---- writes

  function hideAlerts() {
    $("conflict").hidden = true;
    $("override").hidden = true;
    overrideRetry = null;
  }

  let overrideRetry = null;
  let busy = false;

  /** Run a write; handle 409, 422 invalid / needs_override, and reload the entry after. */
  async function write(label, send, after) {
    if (busy) return;
    busy = true;
    hideAlerts();
    say("save-status", label + "中…");
    let res;
    try { res = await send(null); } finally { busy = false; }
    await handle(label, res, send, after);
  }

  async function handle(label, res, send, after) {
    const e = errorOf(res);
    if (res.ok) {
      const d = res.data || {};
      const bits = [label + "成功"];
      if (d.version) bits.push("版本 " + d.version);
      if (d.reload && d.reload.entries !== undefined) bits.push(`索引已更新（${d.reload.entries} 条，${d.reload.millis} 毫秒）`);
      if (d.warnings && d.warnings.length) bits.push(`${d.warnings.length} 条提醒`);
      const msg = bits.join("，") + "。";
      if (after) await after(d);
      say("save-status", msg);
      loadList();
      return;
    }
    if (res.status === 409) {
      say("conflict-version", e.current_version || "?");
      $("conflict").hidden = false;
      say("save-status", "没有保存：别人刚修改了这个条目。");
      $("conflict-reload").focus();
      return;
    }
    if (res.status === 422 && e.code === "needs_override") {
      $("override-warnings").replaceChildren(...(e.warnings || []).map((w) =>
        el("li", { text: (w.field ? w.field + "：" : "") + w.message })));
      showMsgs([], e.warnings || []);
      $("override-reason").value = "";
      $("override").hidden = false;
      overrideRetry = async (reason) => {
        hideAlerts();
        say("save-status", label + "中…");
        const again = await send(reason);
        await handle(label, again, send, after);
      };
      say("save-status", "还没有发布：请确认提醒。");
      $("override-reason").focus();
      return;
    }
    if (res.status === 422 && e.code === "invalid") {
      showMsgs(e.problems || [], []);
      say("save-status", `没有保存：有 ${(e.problems || []).length} 处需要修改（见标红的字段）。`);
      const bad = document.querySelector("#entry-form [aria-invalid='true']");
      if (bad) bad.focus();
      return;
    }
    say("save-status", label + "失败：" + errMsg(res));
  }

  const ifMatch = () => ({ "if-match": `"${cur.version}"` });
  function saveRecord(draft) {
    const isNew = cur.isNew;
    const record = readForm();
    write(draft ? "保存草稿" : "发布", (override) => {
      const body = { record, draft, override };
      return isNew ? call("POST", "/v1/admin/faq", body) : call("PUT", "/v1/admin/faq/" + enc(cur.id), body, ifMatch());
    }, async (d) => { await openEntry(d.id || cur.id, { keepFocus: true, published: !draft }); });
  }

  $("entry-form").addEventListener("submit", (ev) => { ev.preventDefault(); if (canWrite() && cur) saveRecord(false); });
  $("save-draft").addEventListener("click", () => saveRecord(true));
  $("publish-draft").addEventListener("click", () => {
    const id = cur.id;
    write("发布草稿", (override) => call("POST", `/v1/admin/faq/${enc(id)}/publish`, { override }),
      async () => { await openEntry(id, { keepFocus: true, published: true }); });
  });
  $("discard-draft").addEventListener("click", () => {
    const id = cur.id;
    if (!window.confirm("放弃这个条目的草稿？草稿内容会丢失。")) return;
    write("放弃草稿", () => call("DELETE", `/v1/admin/faq/${enc(id)}/draft`),
      async () => { await openEntry(id, { keepFocus: true, published: true }); });
  });
  $("delete-entry").addEventListener("click", () => {
    const id = cur.id;
    if (!window.confirm(`确定删除条目 ${id}？删除后市民将不再得到这个答案（可以在修改记录里恢复）。`)) return;
    write("删除", () => call("DELETE", "/v1/admin/faq/" + enc(id), undefined, ifMatch()), async () => {
      cur = null;
      $("entry-form").hidden = true;
      $("form-placeholder").hidden = false;
      say("form-version", "");
      updateButtons();
    });
  });
  $("new-entry").addEventListener("click", newEntry);
  $("conflict-reload").addEventListener("click", () => { if (cur) openEntry(cur.id); });
  $("override-go").addEventListener("click", () => {
    const reason = $("override-reason").value.trim();
    if (!reason) { $("override-reason").setAttribute("aria-invalid", "true"); $("override-reason").focus(); return; }
    $("override-reason").removeAttribute("aria-invalid");
    if (overrideRetry) overrideRetry(reason);
  });
  $("override-cancel").addEventListener("click", () => { hideAlerts(); say("save-status", "已取消。"); });

  // ------------------------------------------------------------------ preview

  const KINDS = { answer: "直接回答", clarify: "追问澄清", fallback: "答不上（转人工/兜底）" };
  async function preview(edited) {
    const text = $("p-text").value.trim();
    if (!text) { say("p-status", "请先输入一个问题。"); $("p-text").focus(); return; }
    const body = { text };
    if (edited && cur) body.record = readForm();
    say("p-status", edited ? "正在用你的修改建立临时索引，可能要几秒…" : "预览中…");
    const res = await call("POST", "/v1/admin/preview", body);
    if (!res.ok) { say("p-status", "预览失败：" + errMsg(res)); $("p-result").replaceChildren(); return; }
    say("p-status", "");
    $("p-result").replaceChildren(previewView(res.data));
  }
  const hitLink = (h) => h ? el("span", {},
    el("a", { href: "#", "data-id": h.id, onclick: (ev) => { ev.preventDefault(); selectTab("entries"); openEntry(h.id); } }, h.title || h.id),
    el("span", { class: "muted", text: ` （${h.id}，得分 ${Number(h.score).toFixed(3)}）` })) : el("span", { class: "muted", text: "无" });
  function previewView(p) {
    const rows = [
      ["回复类型", el("span", { class: "badge kind-" + p.kind, text: KINDS[p.kind] || p.kind })],
      ["回答条目", hitLink(p.entry)],
      ["第二名", hitLink(p.runner_up)],
      ["命中的词", (p.matched_terms || []).length ? (p.matched_terms || []).map((t) => el("span", { class: "badge term", text: t })) : el("span", { class: "muted", text: "无" })],
      ["问题分词", (p.terms || []).map((t) => el("span", { class: "badge", text: t }))],
      ["回复开头", el("span", { text: p.reply_opening || "" })],
      ["预览依据", el("span", { text: (p.against === "edited" ? "含我的修改的临时索引" : "线上索引") + (p.index ? `（${p.index}）` : "") })],
    ];
    const box = el("div", { class: "preview-result", "data-kind": p.kind, "data-entry": p.entry ? p.entry.id : "" },
      el("dl", { class: "kv" }, rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", {}, v)])));
    if ((p.ranked || []).length) {
      box.append(el("div", { class: "table-wrap" }, el("table", { class: "result-table" },
        el("caption", { text: "排名前五" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "#" }), el("th", { scope: "col", text: "条目" }), el("th", { scope: "col", class: "num", text: "得分" }))),
        el("tbody", {}, p.ranked.map((h, i) => el("tr", {},
          el("td", { text: String(i + 1) }),
          el("td", {}, el("span", { text: h.title }), el("br"), el("code", { class: "muted", text: h.id })),
          el("td", { class: "num", text: Number(h.score).toFixed(3) })))))));
    }
    return box;
  }
  $("preview-form").addEventListener("submit", (ev) => { ev.preventDefault(); preview(false); });
  $("p-edited").addEventListener("click", () => preview(true));

  // ------------------------------------------------------------------ unanswered

  async function loadUnanswered() {
    say("u-status-line", "载入中…");
    const st = $("u-status").value;
    const res = await call("GET", `/v1/admin/unanswered?status=${enc(st)}&limit=100`);
    if (!res.ok) { $("u-items").replaceChildren(); say("u-status-line", errMsg(res)); return; }
    const items = res.data.items || [];
    say("u-status-line", items.length ? `共 ${items.length} 个问题` : "没有这类问题");
    $("u-items").replaceChildren(...items.map((it, i) => unansweredItem(it, i)));
  }
  $("u-status").addEventListener("change", loadUnanswered);

  function unansweredItem(it, i) {
    const id = "u-" + i;
    const cands = it.candidates || [];
    const status = el("p", { class: "status", role: "status" });
    const entry = el("input", { id: id + "-entry", spellcheck: "false", value: cands.length ? cands[0].id : "", list: id + "-cands" });
    const text = el("input", { id: id + "-text", value: it.text });
    const reason = el("input", { id: id + "-reason", placeholder: "例如：与补缴无关" });
    const open = it.status === "open" || !it.status;
    const act = async (what, req) => {
      status.textContent = what + "中…";
      const res = await req();
      if (res.ok) { status.textContent = what + "成功。"; setTimeout(loadUnanswered, 800); loadList(); }
      else {
        const e = errorOf(res);
        const extra = (e.problems || e.warnings || []).map((p) => p.message).join("；");
        status.textContent = what + "失败：" + errMsg(res) + (extra ? "（" + extra + "）" : "");
      }
    };
    const li = el("li", { class: "card", "data-key": it.key },
      el("h3", { class: "u-text", text: it.text }),
      el("p", { class: "meta" },
        el("span", { class: "badge", text: `${it.count} 次` }), " ",
        `首次 ${fmtTime(it.first_seen)} · 最近 ${fmtTime(it.last_seen)}`,
        (it.kinds || []).length ? ` · ${(it.kinds || []).map((k) => KINDS[k] || k).join("、")}` : "",
        (it.channels || []).length ? ` · ${(it.channels || []).join("、")}` : ""),
      cands.length ? el("p", { class: "cands" }, "可能相关：", cands.flatMap((c, j) => [j ? "；" : "",
        el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); selectTab("entries"); openEntry(c.id); } }, c.id),
        el("span", { class: "muted", text: `（${Number(c.score).toFixed(3)}）` })])) : el("p", { class: "muted", text: "没有相近的条目。" }),
      el("datalist", { id: id + "-cands" }, cands.map((c) => el("option", { value: c.id }))));
    if (open) {
      li.append(
        el("div", { class: "u-actions" },
          el("div", { class: "field" }, el("label", { for: id + "-entry", text: "挂到条目（编号）" }), entry),
          el("div", { class: "field" }, el("label", { for: id + "-text", text: "作为相似问法加入的文字" }), text),
          el("button", { type: "button", class: "u-attach", "data-write": true, disabled: !canWrite(), onclick: () => {
            const e = entry.value.trim();
            if (!e) { entry.setAttribute("aria-invalid", "true"); entry.focus(); return; }
            const body = { entry: e };
            if (text.value.trim() && text.value.trim() !== it.text) body.text = text.value.trim();
            act("挂到条目", () => call("POST", `/v1/admin/unanswered/${enc(it.key)}/attach`, body));
          } }, "挂到条目")),
        el("div", { class: "u-actions" },
          el("div", { class: "field" }, el("label", { for: id + "-reason", text: "忽略的理由" }), reason),
          el("button", { type: "button", class: "ghost u-dismiss", "data-write": true, disabled: !canWrite(), onclick: () => {
            const r = reason.value.trim();
            if (!r) { reason.setAttribute("aria-invalid", "true"); reason.focus(); return; }
            act("忽略", () => call("POST", `/v1/admin/unanswered/${enc(it.key)}/dismiss`, { reason: r }));
          } }, "忽略")));
    }
    li.append(status);
    return li;
  }

  // ------------------------------------------------------------------ audit log

  const ACTIONS = {
    create: "新建", update: "修改", edit: "修改", publish: "发布", draft: "保存草稿", save_draft: "保存草稿",
    publish_draft: "发布草稿", discard_draft: "放弃草稿", delete: "删除", revert: "恢复旧版本",
    attach: "挂接未答问题", dismiss: "忽略未答问题", reload: "重新载入",
  };
  const audit = { items: [] };

  async function loadAudit(more) {
    const p = new URLSearchParams({ limit: "30" });
    const t = $("a-target").value.trim();
    if (t) p.set("target", t);
    if (more && audit.items.length) p.set("before", String(audit.items[audit.items.length - 1].seq));
    say("a-status", "载入中…");
    const res = await call("GET", "/v1/admin/audit?" + p);
    if (!res.ok) { if (!more) $("a-items").replaceChildren(); say("a-status", errMsg(res)); return; }
    const items = res.data.items || [];
    audit.items = more ? audit.items.concat(items) : items;
    if (more) $("a-items").append(...items.map(auditItem)); else $("a-items").replaceChildren(...items.map(auditItem));
    say("a-status", audit.items.length ? `显示 ${audit.items.length} 条记录` : "没有记录");
    $("a-more").hidden = items.length < 30;
  }
  $("a-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadAudit(false); });
  $("a-more").addEventListener("click", () => loadAudit(true));

  function auditItem(a) {
    const status = el("p", { class: "status", role: "status" });
    const target = [a.target_kind, a.target_id].filter(Boolean).join(" ");
    const versions = a.version_before || a.version_after ? `版本 ${a.version_before || "—"} → ${a.version_after || "—"}` : "";
    const li = el("li", { class: "card audit", "data-seq": a.seq },
      el("p", { class: "audit-head" },
        el("strong", { text: a.who }), " ",
        el("span", { class: "badge", text: ACTIONS[a.action] || a.action }), " ",
        el("code", { text: target }), " ",
        el("span", { class: "muted", text: [fmtTime(a.at), versions].filter(Boolean).join(" · ") })),
      a.reason ? el("p", { class: "reason", text: "理由：" + a.reason }) : null,
      diffView(a.before, a.after));
    const version = a.after ? a.version_after : a.version_before;
    const revertable = (a.target_kind === "faq" || !a.target_kind) && a.target_id && version;
    if (revertable) {
      li.append(el("div", { class: "form-actions" }, el("button", {
        type: "button", class: "ghost small revert", "data-write": true, disabled: !canWrite(),
        onclick: async () => {
          if (!window.confirm(`把条目 ${a.target_id} 恢复到版本 ${version} 的内容并发布？`)) return;
          status.textContent = "恢复中…";
          const res = await call("POST", `/v1/admin/faq/${enc(a.target_id)}/revert/${enc(version)}`);
          status.textContent = res.ok ? `已恢复到版本 ${version} 的内容${res.data && res.data.version ? `（新版本 ${res.data.version}）` : ""}。` : "恢复失败：" + errMsg(res);
          if (res.ok) { loadList(); setTimeout(() => loadAudit(false), 800); }
        },
      }, `恢复到版本 ${version}`)));
    }
    li.append(status);
    return li;
  }

  /** A record (or any JSON value) as lines `field = value`, arrays one item a line. */
  function lines(v) {
    if (v === null || v === undefined) return [];
    if (typeof v !== "object" || Array.isArray(v)) return JSON.stringify(v, null, 1).split("\n");
    const out = [];
    for (const [k, x] of Object.entries(v)) {
      if (Array.isArray(x)) {
        if (!x.length) out.push(`${k} = []`);
        for (const y of x) out.push(`${k}[] ${typeof y === "string" ? y : JSON.stringify(y)}`);
      } else if (typeof x === "string" && x.includes("\n")) {
        for (const l of x.replace(/\n+$/, "").split("\n")) out.push(`${k} | ${l}`);
      } else {
        out.push(`${k} = ${typeof x === "string" ? x : JSON.stringify(x)}`);
      }
    }
    return out;
  }

  /** Line diff (longest common subsequence) of two values, changed lines with one line of context. */
  function diffView(before, after) {
    const a = lines(before);
    const b = lines(after);
    if (!a.length && !b.length) return null;
    const n = a.length;
    const m = b.length;
    const L = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    }
    const ops = [];
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { ops.push([" ", a[i]]); i++; j++; }
      else if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) { ops.push(["+", b[j]]); j++; }
      else { ops.push(["-", a[i]]); i++; }
    }
    const keep = ops.map((o, k) => o[0] !== " " || (ops[k - 1] && ops[k - 1][0] !== " ") || (ops[k + 1] && ops[k + 1][0] !== " "));
    const pre = el("pre", { class: "diff", "aria-label": "修改前后对比" });
    let gap = false;
    ops.forEach((o, k) => {
      if (!keep[k]) { if (!gap) pre.append(el("span", { class: "gap", text: "…\n" })); gap = true; return; }
      gap = false;
      if (o[0] === "+") pre.append(el("ins", { text: "+ " + o[1] + "\n" }));
      else if (o[0] === "-") pre.append(el("del", { text: "- " + o[1] + "\n" }));
      else pre.append(el("span", { text: "  " + o[1] + "\n" }));
    });
    if (!ops.some((o) => o[0] !== " ")) return el("p", { class: "muted", text: "内容没有变化。" });
    return el("details", { class: "diff-box", open: true }, el("summary", { text: "修改内容" }), pre);
  }

  // ------------------------------------------------------------------ stats

  const SHARES = { answered: "直接回答", clarified: "追问澄清", fallback: "答不上", answer: "直接回答", clarify: "追问澄清" };
  async function loadStats() {
    say("s-status", "载入中…");
    const res = await call("GET", "/v1/admin/stats?days=" + enc($("s-days").value));
    if (!res.ok) { $("s-body").replaceChildren(); say("s-status", errMsg(res)); return; }
    say("s-status", "");
    $("s-body").replaceChildren(statsView(res.data));
  }
  $("s-days").addEventListener("change", loadStats);

  function pct(v) {
    const x = Number(v);
    if (!isFinite(x)) return String(v);
    return (x <= 1 ? x * 100 : x).toFixed(1) + "%";
  }

  /** The stats in one shape: days with `total`, `shares`, top entries and feedback as lists
   *  (the server may send `questions` and `*_share`, pairs, and a map per entry). */
  function normStats(s) {
    const days = (s.days || []).map((d) => ({
      day: d.day, total: d.total !== undefined ? d.total : d.questions || 0,
      answered: d.answered || 0, clarified: d.clarified || 0, fallback: d.fallback || 0,
    }));
    let shares = s.shares;
    if (!shares) {
      shares = {};
      for (const k of ["answered", "clarified", "fallback"]) if (s[k + "_share"] !== undefined) shares[k] = s[k + "_share"];
    }
    const top = (s.top_entries || []).map((t) => (Array.isArray(t) ? { id: t[0], hits: t[1] } : t));
    let feedback = s.feedback || [];
    if (!Array.isArray(feedback)) {
      feedback = Object.entries(feedback).map(([id, c]) => ({ id, useful: c.useful || 0, not_useful: c.not_useful || 0 }));
    }
    const total = s.questions !== undefined ? s.questions : days.reduce((t, d) => t + d.total, 0);
    return { days, shares, top_entries: top, feedback, never_hit: s.never_hit || [], total };
  }

  function statsView(raw) {
    const s = normStats(raw);
    const box = el("div", { class: "stats" });
    const days = s.days;
    const max = Math.max(1, ...days.map((d) => d.total || 0));
    const shares = s.shares;
    box.append(el("section", { class: "stat-block" },
      el("h3", { text: "回答情况" }),
      el("p", { class: "shares" }, el("span", { class: "big", id: "s-total", text: String(s.total) }), " 个问题　",
        Object.entries(shares).map(([k, v]) => el("span", { class: "share share-" + k },
          el("span", { class: "swatch" }), `${SHARES[k] || k} ${pct(v)}`)))));
    const dayRows = days.slice().reverse().map((d) => {
      // Widths through the CSSOM: the CSP allows no inline style attributes.
      const seg = (k) => { const e = el("span", { class: "seg seg-" + k }); e.style.width = (((d[k] || 0) / max) * 100).toFixed(1) + "%"; return e; };
      return el("tr", {},
        el("th", { scope: "row", text: d.day }),
        el("td", { class: "num", text: String(d.total) }),
        el("td", { class: "num", text: String(d.answered) }),
        el("td", { class: "num", text: String(d.clarified) }),
        el("td", { class: "num", text: String(d.fallback) }),
        el("td", { class: "bar-cell", "aria-hidden": "true" }, el("div", { class: "stack" },
          seg("answered"), seg("clarified"), seg("fallback"))));
    });
    box.append(el("section", { class: "stat-block" }, el("div", { class: "table-wrap" }, el("table", { class: "result-table days" },
      el("caption", { text: "每天的问题数（最近的在上）" }),
      el("thead", {}, el("tr", {}, ["日期", "总数", "直接回答", "追问", "答不上"].map((h, i) => el("th", { scope: "col", class: i ? "num" : null, text: h })),
        el("th", { scope: "col", text: "分布" }))),
      el("tbody", {}, dayRows.length ? dayRows : el("tr", {}, el("td", { colspan: "6", class: "muted", text: "这段时间没有记录。" })))))));
    const table = (caption, heads, rows) => el("div", { class: "table-wrap" }, el("table", { class: "result-table" },
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, heads.map((h, i) => el("th", { scope: "col", class: i ? "num" : null, text: h })))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: String(heads.length), class: "muted", text: "无" })))));
    const idLink = (id) => el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); selectTab("entries"); openEntry(id); } }, id);
    box.append(el("div", { class: "stat-grid" },
      el("section", { class: "stat-block" }, table("最常回答的条目", ["条目", "次数"],
        (s.top_entries || []).map((t) => el("tr", {}, el("td", {}, idLink(t.id)), el("td", { class: "num", text: String(t.hits) }))))),
      el("section", { class: "stat-block" }, table("有用 / 没用", ["条目", "有用", "没用"],
        (s.feedback || []).map((f) => el("tr", {}, el("td", {}, idLink(f.id)),
          el("td", { class: "num", text: String(f.useful) }), el("td", { class: "num", text: String(f.not_useful) })))))));
    const never = s.never_hit || [];
    box.append(el("section", { class: "stat-block" },
      el("details", {}, el("summary", { text: `从未被命中的条目（${never.length}）` }),
        el("ul", { class: "never" }, never.map((id) => el("li", {}, idLink(id)))))));
    return box;
  }

  // ------------------------------------------------------------------ keyboard

  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && !$("app").hidden && !["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) {
      ev.preventDefault();
      selectTab("entries");
      $("l-q").focus();
    }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "s" && cur && !$("entry-form").hidden) {
      ev.preventDefault();
      if (canWrite()) saveRecord(true);
    }
  });

  // ------------------------------------------------------------------ start

  (async () => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) { await signIn(saved, false); return; }
    // No token yet: ask whoami without one to learn whether the admin API is on at all.
    const res = await call("GET", "/v1/admin/whoami");
    if (res.status === 404 && errorOf(res).code === "admin_disabled") show("off");
    else { show("signin"); $("token").focus(); }
  })();
})();
