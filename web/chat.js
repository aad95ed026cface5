// The citizens' chat on /: bubbles, buttons that send option ids to /v1/press, calculation
// results as tables, sources that open the full entry, "有用 / 没用", and a conversation that
// survives a reload (session id and transcript in localStorage).
"use strict";

(() => {
  const { el, api, resultView } = B;
  const SESSION_KEY = "bujiao.session";
  const LOG_KEY = "bujiao.transcript";
  const MAX_LOG = 80;

  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const send = document.getElementById("send");
  const dialog = document.getElementById("entry-dialog");
  const dialogBody = document.getElementById("entry-body");

  function newId() {
    if (window.crypto && crypto.randomUUID) return "web:" + crypto.randomUUID();
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return "web:" + Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function store(key, value) { try { localStorage.setItem(key, value); } catch (_) { /* private mode */ } }
  function load(key) { try { return localStorage.getItem(key); } catch (_) { return null; } }

  let session = load(SESSION_KEY) || newId();
  store(SESSION_KEY, session);
  let transcript = [];
  try { transcript = JSON.parse(load(LOG_KEY) || "[]"); } catch (_) { transcript = []; }
  if (!Array.isArray(transcript)) transcript = [];
  let lastQuestion = "";

  function save() {
    if (transcript.length > MAX_LOG) transcript = transcript.slice(-MAX_LOG);
    store(LOG_KEY, JSON.stringify(transcript));
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function userBubble(text) {
    log.append(el("div", { class: "msg user" }, el("div", { class: "bubble", text })));
    scrollDown();
  }

  async function openEntry(id) {
    dialogBody.replaceChildren(el("p", { text: "加载中…" }));
    if (!dialog.open) dialog.showModal();
    const res = await api("/v1/faq/" + encodeURIComponent(id));
    if (!res.ok) {
      dialogBody.replaceChildren(el("p", { text: "没有找到这个条目。" }));
      return;
    }
    dialogBody.replaceChildren(B.entryView(res.data, openEntry));
    const h = dialogBody.querySelector(".entry-title");
    if (h) h.focus();
  }
  document.getElementById("entry-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (ev) => { if (ev.target === dialog) dialog.close(); });

  function feedbackRow(reply, question, done) {
    const row = el("div", { class: "feedback" });
    if (done) {
      row.append(el("span", { class: "thanks", text: "谢谢您的反馈" }));
      return row;
    }
    const vote = async (useful) => {
      row.replaceChildren(el("span", { class: "thanks", text: "谢谢您的反馈" }));
      const item = transcript.find((t) => t.reply === reply);
      if (item) { item.voted = true; save(); }
      await api("/v1/feedback", {
        session, useful, kind: reply.kind,
        entry: reply.sources && reply.sources[0] ? reply.sources[0].id : undefined,
        question: question || undefined,
      });
    };
    row.append(el("span", { class: "feedback-q", text: "这个回答对您有帮助吗？" }),
      el("button", { type: "button", class: "chip", onclick: () => vote(true) }, "有用"),
      el("button", { type: "button", class: "chip", onclick: () => vote(false) }, "没用"));
    return row;
  }

  function botBubble(reply, item, live) {
    const bubble = el("div", { class: "bubble" });
    if (reply.kind === "result" && reply.result) {
      bubble.append(resultView(reply.result, openEntry));
    } else {
      bubble.append(el("p", { class: "text", text: reply.text }));
    }
    if (reply.kind === "answer" && reply.sources && reply.sources.length) {
      const p = el("p", { class: "sources-line" }, "来源：");
      reply.sources.forEach((s, i) => {
        if (i) p.append("；");
        p.append(el("a", { href: "/v1/faq/" + encodeURIComponent(s.id), class: "source", "data-entry": s.id,
          onclick: (ev) => { ev.preventDefault(); openEntry(s.id); } }, s.title));
      });
      bubble.append(p);
    }
    const choices = reply.choices || [];
    if (choices.length) {
      const box = el("div", { class: "choices", role: "group", "aria-label": "可选项" });
      for (const c of choices) {
        box.append(el("button", {
          type: "button", class: "chip choice", "data-option": c.id, disabled: item.used,
          onclick: () => {
            item.used = true; save();
            box.querySelectorAll("button").forEach((b) => { b.disabled = true; });
            press(c);
          },
        }, c.title));
      }
      bubble.append(box);
    }
    if (["answer", "result", "fallback"].includes(reply.kind)) {
      bubble.append(feedbackRow(reply, item.question, item.voted));
    }
    const msg = el("div", { class: "msg bot " + reply.kind }, el("span", { class: "avatar", "aria-hidden": "true", text: "补" }), bubble);
    log.append(msg);
    // A reply taller than the window is shown from its start, not its end.
    if (msg.offsetHeight > log.clientHeight - 16) log.scrollTop = msg.offsetTop - 8;
    else scrollDown();
    return msg;
  }

  function remember(entry) { transcript.push(entry); save(); return entry; }

  function thinking() {
    const m = el("div", { class: "msg bot pending" }, el("span", { class: "avatar", "aria-hidden": "true", text: "补" }),
      el("div", { class: "bubble" }, el("span", { class: "dots", text: "正在查找…" })));
    log.append(m);
    scrollDown();
    return m;
  }

  function errorReply(res) {
    const msg = res.data && res.data.error ? res.data.error.message : "";
    return { kind: "error", text: res.status === 0 ? "网络连接失败，请稍后再试。" : "抱歉，出了点问题：" + msg, sources: [], choices: [] };
  }

  async function exchange(path, body, shown) {
    remember({ who: "user", text: shown });
    userBubble(shown);
    send.disabled = true;
    const wait = thinking();
    const res = await api(path, body);
    wait.remove();
    send.disabled = false;
    const reply = res.ok ? res.data : errorReply(res);
    const item = remember({ who: "bot", reply, question: lastQuestion });
    botBubble(reply, item, true);
  }

  function ask(text) {
    lastQuestion = text;
    return exchange("/v1/chat", { session, text }, text);
  }

  function press(choice) {
    return exchange("/v1/press", { session, option: choice.id }, choice.title);
  }

  async function welcome() {
    const res = await api("/v1/welcome");
    const reply = res.ok ? res.data : errorReply(res);
    const item = remember({ who: "bot", reply });
    botBubble(reply, item);
  }

  function replay() {
    log.replaceChildren();
    for (const t of transcript) {
      if (t.who === "user") userBubble(t.text);
      else if (t.reply) botBubble(t.reply, t);
    }
    scrollDown();
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || send.disabled) return;
    input.value = "";
    autosize();
    ask(text);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  function autosize() {
    input.rows = Math.min(5, Math.max(1, input.value.split("\n").length));
  }
  input.addEventListener("input", autosize);

  document.getElementById("new-chat").addEventListener("click", async () => {
    const old = session;
    session = newId();
    store(SESSION_KEY, session);
    transcript = [];
    save();
    log.replaceChildren();
    api("/v1/reset", { session: old });
    await welcome();
    input.focus();
  });

  if (transcript.length) {
    replay();
    const lastUser = [...transcript].reverse().find((t) => t.who === "user");
    lastQuestion = lastUser ? lastUser.text : "";
  } else {
    welcome();
  }
  input.focus();
})();
