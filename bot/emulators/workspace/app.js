// The emulated Slack workspace page: pick who you are, then see and use what they see.
// Everything comes from /workspace/api (see bot/emulators/slack_workspace_web.py); a
// Server-Sent Events stream says when anything changed, and the page fetches it again.

import { renderBlocks } from "./blocks.js";
import { plainText, renderMrkdwn } from "./mrkdwn.js";

const HOME = "home";
const $ = (selector) => document.querySelector(selector);

const state = {
  people: null,
  names: { members: {}, channels: {} },
  user: null,
  place: null, // HOME, or a conversation id
  data: null,
  messages: [],
  messagesOf: null,
  seen: {}, // conversation id → the newest ts this person has looked at
  actionRuns: {}, // workspace action → how many runs had ended when the page last looked
  modalKey: null,
  modalViewId: null,
  modalInputs: [],
  refreshing: false,
  again: false,
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- talking to the emulator

async function call(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let answer;
  try {
    const response = await fetch("/workspace/api/" + path, options);
    answer = await response.json();
  } catch (error) {
    answer = { ok: false, error: "the emulator did not answer: " + error.message };
  }
  if (!answer.ok) toast(answer.error || "something went wrong", true);
  return answer;
}

const get = (path, params) => call("GET", path + "?" + new URLSearchParams(params));
const post = (path, body) => call("POST", path, { user: state.user, ...body });

function toast(text, isError = false) {
  const node = el("div", "toast" + (isError ? " error" : ""), text);
  node.setAttribute("role", isError ? "alert" : "status");
  node.title = "Click to dismiss";
  node.addEventListener("click", () => node.remove());
  $("#toasts").appendChild(node);
  setTimeout(() => node.remove(), 8000);
}

// ---------------------------------------------------------------- who and where

function currentUrl() {
  const params = new URLSearchParams();
  if (state.user) params.set("as", state.user);
  if (state.place) params.set("c", state.place);
  return location.pathname + "?" + params;
}

function become(userId) {
  state.user = userId;
  state.place = null;
  state.seen = {};
  state.messages = [];
  state.messagesOf = null;
  state.modalKey = null;
  $("#chooser").hidden = true;
  $("#workspace").hidden = false;
  $("#who").value = userId;
  const asked = new URLSearchParams(location.search).get("c");
  go(asked && new URLSearchParams(location.search).get("as") === userId ? asked : HOME);
}

function go(place) {
  state.place = place;
  history.replaceState(null, "", currentUrl());
  if (place === HOME) post("home", {});
  refresh();
}

function dmId() {
  const dm = state.data && state.data.conversations.find((c) => c.kind === "im");
  return dm ? dm.id : null;
}

// ---------------------------------------------------------------- fetching and drawing

async function refresh() {
  if (!state.user) return;
  if (state.refreshing) {
    state.again = true;
    return;
  }
  state.refreshing = true;
  try {
    do {
      state.again = false;
      const user = state.user;
      const data = await get("state", { user });
      if (!data.ok || user !== state.user) continue;
      state.data = data;
      if (state.place !== HOME) {
        const answer = await get("messages", { user, conversation: state.place });
        if (answer.ok && user === state.user) {
          state.messages = answer.messages;
          state.messagesOf = state.place;
        }
      }
      draw();
    } while (state.again);
  } finally {
    state.refreshing = false;
  }
}

function draw() {
  for (const conversation of state.data.conversations) {
    if (conversation.kind === "channel") state.names.channels[conversation.id] = conversation.name;
  }
  drawSidebar();
  drawMain();
  drawModal();
  drawActions();
}

function conversationTitle(conversation) {
  if (conversation.kind === "channel") return "# " + conversation.name;
  return conversation.name;
}

function drawSidebar() {
  const lists = { apps: $("#apps"), channels: $("#channels"), dms: $("#dms") };
  for (const list of Object.values(lists)) list.replaceChildren();
  const dm = dmId();
  for (const conversation of state.data.conversations) {
    const item = el("li");
    const link = el("button", "nav-item");
    link.type = "button";
    const isApp = conversation.kind === "im";
    const here = isApp ? state.place === HOME || state.place === dm : state.place === conversation.id;
    if (here) {
      link.classList.add("active");
      link.setAttribute("aria-current", "page");
      state.seen[conversation.id] = conversation.latest_ts;
    }
    const unread = conversation.latest_ts && conversation.latest_ts > (state.seen[conversation.id] || "");
    if (unread) link.classList.add("unread");
    const icon = conversation.kind === "mpim" ? String(conversation.members.length) : conversation.kind === "im" ? "◆" : "#";
    link.append(el("span", "nav-icon", icon), el("span", "nav-name", conversation.name));
    if (unread) link.appendChild(el("span", "badge", "new"));
    link.addEventListener("click", () => go(isApp ? HOME : conversation.id));
    item.appendChild(link);
    lists[isApp ? "apps" : conversation.kind === "channel" ? "channels" : "dms"].appendChild(item);
  }
  if (!lists.dms.children.length) lists.dms.appendChild(el("li", "nav-empty", "No group DMs yet"));
}

function drawMain() {
  const dm = dmId();
  const onApp = state.place === HOME || state.place === dm;
  const conversation = state.data.conversations.find((c) => c.id === state.place);
  $("#title").textContent = onApp ? state.people.app_name : conversation ? conversationTitle(conversation) : "";
  const tabs = $("#tabs");
  tabs.hidden = !onApp;
  $("#tab-home").setAttribute("aria-selected", String(state.place === HOME));
  $("#tab-messages").setAttribute("aria-selected", String(state.place === dm));
  $("#home").hidden = state.place !== HOME;
  $("#messages").hidden = state.place === HOME;
  $("#composer").hidden = state.place === HOME;
  if (state.place === HOME) drawHome();
  else drawMessages();
  const name = onApp ? state.people.app_name : conversation ? conversationTitle(conversation) : "";
  $("#composer-text").placeholder = `Message ${name}`;
}

function namesCtx() {
  return state.names;
}

function drawHome() {
  const home = $("#home");
  const view = state.data.home;
  const key = view ? view.id + ":" + view.hash : "none";
  if (home.dataset.key === key) return;
  home.dataset.key = key;
  home.replaceChildren();
  if (!view) {
    home.appendChild(el("p", "placeholder", "Opening the Home tab…"));
    return;
  }
  const ctx = {
    names: namesCtx(),
    inputs: [],
    confirm,
    onAction: (where, element, chosen) =>
      post("click", { view_id: view.id, block: where.block, element: where.element, action_id: element.action_id, chosen }),
  };
  home.appendChild(renderBlocks(view.blocks, ctx));
}

function timeOf(ts) {
  const date = new Date(parseFloat(ts) * 1000);
  return date.toTimeString().slice(0, 5);
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toUpperCase())
    .join("");
}

function hue(text) {
  let sum = 0;
  for (const ch of text) sum = (sum * 31 + ch.codePointAt(0)) % 360;
  return sum;
}

function messageNode(message, conversationId) {
  const node = el("article", "message" + (message.ephemeral ? " ephemeral" : ""));
  node.dataset.ts = message.ts;
  const avatar = el("div", "avatar" + (message.is_bot ? " bot" : ""), message.is_bot ? "FB" : initials(message.user_name));
  if (!message.is_bot) avatar.style.background = `hsl(${hue(message.user)}, 45%, 45%)`;
  avatar.setAttribute("aria-hidden", "true");
  const body = el("div", "message-body");
  const meta = el("div", "meta");
  meta.appendChild(el("span", "author", message.user_name));
  if (message.is_bot) meta.appendChild(el("span", "app-badge", "APP"));
  const time = el("time", "time", timeOf(message.ts));
  time.dateTime = new Date(parseFloat(message.ts) * 1000).toISOString();
  meta.appendChild(time);
  if (message.edited) meta.appendChild(el("span", "edited", "(edited)"));
  body.appendChild(meta);
  const ctx = {
    names: namesCtx(),
    inputs: null,
    confirm,
    onAction: (where, element, chosen) =>
      post("click", {
        conversation: conversationId,
        ts: message.ts,
        block: where.block,
        element: where.element,
        action_id: element.action_id,
        chosen,
      }),
  };
  const content = el("div", "message-content");
  if (message.blocks && message.blocks.length) content.appendChild(renderBlocks(message.blocks, ctx));
  else content.appendChild(renderMrkdwn(message.text, namesCtx()));
  body.appendChild(content);
  for (const unfurl of message.unfurls || []) {
    const box = el("div", "unfurl");
    box.dataset.url = unfurl.url;
    const unfurlCtx = { ...ctx, onAction: () => {} };
    if (unfurl.blocks) box.appendChild(renderBlocks(unfurl.blocks, unfurlCtx));
    else {
      if (unfurl.title) box.appendChild(el("div", "unfurl-title", unfurl.title));
      if (unfurl.text) box.appendChild(renderMrkdwn(unfurl.text, namesCtx()));
    }
    body.appendChild(box);
  }
  if (message.ephemeral) body.appendChild(el("div", "ephemeral-note", "Only visible to you"));
  node.append(avatar, body);
  return node;
}

function drawMessages() {
  const list = $("#messages");
  if (list.dataset.conversation !== state.messagesOf) {
    list.replaceChildren();
    list.dataset.conversation = state.messagesOf || "";
  }
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const existing = new Map([...list.querySelectorAll(":scope > article")].map((n) => [n.dataset.ts, n]));
  let previous = null;
  let added = false;
  const keep = new Set();
  for (const message of state.messages) {
    const signature = JSON.stringify(message);
    let node = existing.get(message.ts);
    if (!node || node.dataset.signature !== signature) {
      const fresh = messageNode(message, state.messagesOf);
      fresh.dataset.signature = signature;
      if (node) node.replaceWith(fresh);
      else added = true;
      node = fresh;
    }
    const wanted = previous ? previous.nextSibling : list.firstChild;
    if (wanted !== node) list.insertBefore(node, wanted);
    keep.add(message.ts);
    previous = node;
  }
  for (const [ts, node] of existing) if (!keep.has(ts)) node.remove();
  let empty = list.querySelector(":scope > .placeholder");
  if (!state.messages.length && !empty) {
    empty = el("p", "placeholder", "No messages yet.");
    list.appendChild(empty);
  } else if (state.messages.length && empty) empty.remove();
  if (nearBottom || added) list.scrollTop = list.scrollHeight;
}

// ---------------------------------------------------------------- modals and confirmations

function collect(inputs) {
  const entered = {};
  for (const input of inputs) {
    entered[input.block_id] = entered[input.block_id] || {};
    entered[input.block_id][input.action_id] = input.read();
  }
  return entered;
}

function drawModal() {
  const overlay = $("#modal-overlay");
  const modal = state.data.modal;
  if (!modal) {
    overlay.hidden = true;
    state.modalKey = null;
    state.modalViewId = null;
    return;
  }
  const view = modal.view;
  const key = view.id + ":" + view.hash + ":" + JSON.stringify(modal.errors);
  if (key === state.modalKey) return;
  const before = state.modalViewId === view.id ? collect(state.modalInputs) : null;
  state.modalKey = key;
  state.modalViewId = view.id;
  const inputs = [];
  const ctx = {
    names: namesCtx(),
    inputs,
    errors: modal.errors,
    confirm,
    onAction: (where, element, chosen) =>
      post("click", {
        view_id: view.id,
        block: where.block,
        element: where.element,
        action_id: element.action_id,
        chosen,
        entered: collect(inputs),
      }),
  };
  const box = $("#modal");
  box.replaceChildren();
  const head = el("div", "modal-head");
  const title = el("h2", "", plainText(view.title));
  title.id = "modal-title";
  const closeX = el("button", "modal-x", "×");
  closeX.type = "button";
  closeX.setAttribute("aria-label", "Close");
  closeX.addEventListener("click", () => post("close", { view_id: view.id }));
  head.append(title, closeX);
  const body = el("form", "modal-body");
  body.appendChild(renderBlocks(view.blocks, ctx));
  body.addEventListener("submit", (event) => event.preventDefault());
  const foot = el("div", "modal-foot");
  const cancel = el("button", "btn", view.close ? plainText(view.close) : "Cancel");
  cancel.type = "button";
  cancel.addEventListener("click", () => post("close", { view_id: view.id }));
  foot.appendChild(cancel);
  if (view.submit) {
    const submit = el("button", "btn primary", plainText(view.submit));
    submit.type = "button";
    submit.addEventListener("click", async () => {
      submit.disabled = true;
      await post("submit", { view_id: view.id, entered: collect(inputs) });
      submit.disabled = false;
    });
    foot.appendChild(submit);
  }
  box.append(head, body, foot);
  if (before) {
    for (const input of inputs) {
      const value = (before[input.block_id] || {})[input.action_id];
      if (value !== undefined && input.write) input.write(value);
    }
  }
  state.modalInputs = inputs;
  overlay.hidden = false;
}

function confirm(dialog) {
  return new Promise((resolve) => {
    const overlay = $("#confirm-overlay");
    const box = $("#confirm");
    box.replaceChildren();
    const title = el("h2", "", plainText(dialog.title) || "Are you sure?");
    title.id = "confirm-title";
    const text = el("div", "confirm-text");
    text.appendChild(renderMrkdwn(dialog.text ? dialog.text.text : "", namesCtx()));
    const foot = el("div", "modal-foot");
    const deny = el("button", "btn", plainText(dialog.deny) || "Cancel");
    const yes = el("button", "btn " + (dialog.style === "danger" ? "danger" : "primary"), plainText(dialog.confirm) || "Yes");
    const done = (answer) => {
      overlay.hidden = true;
      resolve(answer);
    };
    deny.addEventListener("click", () => done(false));
    yes.addEventListener("click", () => done(true));
    foot.append(deny, yes);
    box.append(title, text, foot);
    overlay.hidden = false;
  });
}

// ---------------------------------------------------------------- workspace actions

function toggleMenu(open) {
  const menu = $("#time-menu");
  menu.hidden = !open;
  $("#time-button").setAttribute("aria-expanded", String(open));
}

function drawActions() {
  const menu = $("#time-menu");
  menu.replaceChildren();
  const actions = state.data.actions;
  $("#time-button").hidden = !actions.length;
  for (const action of actions) {
    const before = state.actionRuns[action.key];
    if (before !== undefined && action.runs > before) toast(`${action.label}: ${action.result}`, action.failed);
    state.actionRuns[action.key] = action.runs;
    const row = el("div", "time-item");
    const run = el("button", "time-run", action.label);
    run.type = "button";
    run.setAttribute("role", "menuitem");
    run.disabled = action.running;
    run.addEventListener("click", () => {
      toggleMenu(false);
      toast(`${action.label}: started`);
      call("POST", "actions/" + encodeURIComponent(action.key), {});
    });
    row.appendChild(run);
    if (action.description) row.appendChild(el("div", "time-description", action.description));
    const status = el("div", "time-status" + (action.failed ? " failed" : ""));
    status.textContent = action.running ? "running…" : action.result;
    status.dataset.runs = String(action.runs);
    row.appendChild(status);
    menu.appendChild(row);
  }
}

// ---------------------------------------------------------------- composer

function drawCommandHints() {
  const text = $("#composer-text").value;
  const hints = $("#command-hints");
  hints.replaceChildren();
  const commands = state.people ? state.people.commands : [];
  const typed = text.split(" ")[0];
  const matching = text.startsWith("/") && !text.includes(" ") ? commands.filter((c) => c.command.startsWith(typed)) : [];
  hints.hidden = !matching.length;
  for (const command of matching) {
    const hint = el("button", "hint-item");
    hint.type = "button";
    hint.append(el("strong", "", command.command), el("span", "", " " + command.description));
    hint.addEventListener("click", () => {
      $("#composer-text").value = command.command + " ";
      $("#composer-text").focus();
      drawCommandHints();
    });
    hints.appendChild(hint);
  }
}

async function send() {
  const box = $("#composer-text");
  const text = box.value.trim();
  if (!text || !state.place || state.place === HOME) return;
  box.disabled = true;
  const answer = await post("type", { conversation: state.place, text });
  box.disabled = false;
  if (answer.ok) {
    box.value = "";
    drawCommandHints();
  }
  box.focus();
}

// ---------------------------------------------------------------- start

async function start() {
  const people = await get("people", {});
  if (!people.ok) return;
  state.people = people;
  for (const member of people.members) state.names.members[member.id] = member.real_name;
  state.names.members[people.bot_user_id] = people.app_name;
  $("#team").textContent = `${people.app_name} demo · emulated Slack workspace “${people.team}”`;
  const who = $("#who");
  const chooser = $("#people");
  for (const member of people.members) {
    const option = el("option", "", member.real_name);
    option.value = member.id;
    who.appendChild(option);
    const pick = el("button", "person");
    pick.type = "button";
    pick.append(el("span", "person-name", member.real_name), el("span", "person-handle", "@" + member.name));
    pick.addEventListener("click", () => become(member.id));
    const item = el("li");
    item.appendChild(pick);
    chooser.appendChild(item);
  }
  who.addEventListener("change", () => become(who.value));
  $("#tab-home").addEventListener("click", () => go(HOME));
  $("#tab-messages").addEventListener("click", () => go(dmId()));
  $("#time-button").addEventListener("click", () => toggleMenu($("#time-menu").hidden));
  $("#composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("#composer-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  });
  $("#composer-text").addEventListener("input", drawCommandHints);
  const events = new EventSource("/workspace/api/events");
  events.addEventListener("message", (event) => {
    const { version } = JSON.parse(event.data);
    if (!state.data || version !== state.data.version) refresh();
  });
  const asked = new URLSearchParams(location.search).get("as");
  if (asked && people.members.some((m) => m.id === asked)) become(asked);
  else {
    $("#chooser").hidden = false;
    $("#workspace").hidden = true;
  }
  document.body.dataset.ready = "true";
}

start();
