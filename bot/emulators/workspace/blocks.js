// Block Kit as DOM nodes: header, section (text, fields, accessory), context, divider,
// actions, image (a placeholder), input (in modals), rich_text (its text). Every text goes in
// through textContent (see mrkdwn.js). Interactive elements call ctx.onAction(where, element,
// chosen); inputs register a reader in ctx.inputs so a modal can collect what was entered.
//
// ctx = {names, onAction(where, element, chosen), inputs: [] | null, errors: {block_id: text}}
// where = {block: index, element: index (-1: the accessory)}

import { plainText, renderMrkdwn, renderTextObject } from "./mrkdwn.js";

const ACCESSORY = -1;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function textNode(object, ctx, tag = "div", className = "") {
  const node = el(tag, className);
  node.appendChild(renderTextObject(object, ctx.names));
  return node;
}

// A button's click: a url button opens its link (and Slack still sends the click).
function button(element, where, ctx) {
  const style = element.style ? " " + element.style : "";
  let node;
  if (element.url) {
    node = el("a", "btn" + style);
    node.href = element.url;
    node.target = "_blank";
    node.rel = "noopener noreferrer";
    node.setAttribute("role", "button");
  } else {
    node = el("button", "btn" + style);
    node.type = "button";
  }
  node.textContent = plainText(element.text);
  node.addEventListener("click", (event) => {
    if (element.confirm) {
      event.preventDefault();
      ctx.confirm(element.confirm).then((yes) => {
        if (!yes) return;
        if (element.url) window.open(element.url, "_blank", "noopener");
        ctx.onAction(where, element, null);
      });
      return;
    }
    ctx.onAction(where, element, null);
  });
  return node;
}

function optionLabel(option) {
  return plainText(option.text);
}

function allOptions(element) {
  const options = [...(element.options || [])];
  for (const group of element.option_groups || []) options.push(...(group.options || []));
  return options;
}

function selectMenu(element, where, ctx, { asInput = false, multiple = false } = {}) {
  const select = el("select", "select");
  select.multiple = multiple;
  if (element.placeholder && !multiple) {
    const placeholder = el("option", "", plainText(element.placeholder));
    placeholder.value = "";
    select.appendChild(placeholder);
  }
  for (const option of allOptions(element)) {
    const node = el("option", "", optionLabel(option));
    node.value = option.value;
    select.appendChild(node);
  }
  const initial = multiple
    ? (element.initial_options || []).map((o) => o.value)
    : [element.initial_option && element.initial_option.value].filter(Boolean);
  for (const node of select.options) node.selected = initial.includes(node.value);
  if (!asInput) {
    select.addEventListener("change", () => {
      const chosen = multiple ? [...select.selectedOptions].map((o) => o.value) : select.value;
      ctx.onAction(where, element, chosen);
    });
  }
  const read = () =>
    multiple ? [...select.selectedOptions].map((o) => o.value) : select.value || null;
  return { node: select, read, write: (value) => writeSelect(select, value) };
}

function writeSelect(select, value) {
  const values = Array.isArray(value) ? value : [value];
  for (const node of select.options) node.selected = values.includes(node.value);
}

function overflow(element, where, ctx) {
  const wrap = el("div", "overflow");
  const toggle = el("button", "btn overflow-toggle", "⋯");
  toggle.type = "button";
  toggle.setAttribute("aria-label", "More actions");
  const menu = el("div", "overflow-menu");
  menu.hidden = true;
  for (const option of element.options || []) {
    const item = el("button", "overflow-item", optionLabel(option));
    item.type = "button";
    item.addEventListener("click", () => {
      menu.hidden = true;
      if (option.url) window.open(option.url, "_blank", "noopener");
      ctx.onAction(where, element, option.value);
    });
    menu.appendChild(item);
  }
  toggle.addEventListener("click", () => (menu.hidden = !menu.hidden));
  wrap.append(toggle, menu);
  return wrap;
}

function choiceGroup(element, where, ctx, { asInput, multiple }) {
  const group = el("div", multiple ? "checkboxes" : "radios");
  group.setAttribute("role", multiple ? "group" : "radiogroup");
  const name = `${element.action_id}-${Math.random().toString(36).slice(2)}`;
  const initial = multiple
    ? (element.initial_options || []).map((o) => o.value)
    : [element.initial_option && element.initial_option.value].filter(Boolean);
  const inputs = [];
  for (const option of element.options || []) {
    const label = el("label", "choice");
    const input = el("input");
    input.type = multiple ? "checkbox" : "radio";
    input.name = name;
    input.value = option.value;
    input.checked = initial.includes(option.value);
    const text = el("span", "choice-text");
    text.appendChild(renderTextObject(option.text, ctx.names));
    label.append(input, text);
    if (option.description) label.appendChild(textNode(option.description, ctx, "div", "hint"));
    group.appendChild(label);
    inputs.push(input);
  }
  const read = () => {
    const checked = inputs.filter((i) => i.checked).map((i) => i.value);
    return multiple ? checked : checked[0] || null;
  };
  if (!asInput) {
    for (const input of inputs) input.addEventListener("change", () => ctx.onAction(where, element, read()));
  }
  const write = (value) => {
    const values = Array.isArray(value) ? value : [value];
    for (const input of inputs) input.checked = values.includes(input.value);
  };
  return { node: group, read, write };
}

function picker(element, where, ctx, { asInput, type }) {
  const input = el("input", "picker");
  input.type = type;
  const initial = type === "date" ? element.initial_date : element.initial_time;
  if (initial) input.value = initial;
  if (!asInput) input.addEventListener("change", () => ctx.onAction(where, element, input.value));
  return { node: input, read: () => input.value || null, write: (v) => (input.value = v || "") };
}

function textInput(element) {
  const multiline = element.multiline;
  const input = el(multiline ? "textarea" : "input", "text-input");
  if (!multiline) {
    input.type = { email_text_input: "email", url_text_input: "url", number_input: "number" }[element.type] || "text";
  }
  if (element.initial_value !== undefined && element.initial_value !== null) input.value = element.initial_value;
  if (element.max_length) input.maxLength = element.max_length;
  if (element.placeholder) input.placeholder = plainText(element.placeholder);
  return { node: input, read: () => input.value, write: (v) => (input.value = v || "") };
}

// An interactive element; asInput: inside an input block (its value goes with the submission).
function element(element, where, ctx, asInput = false) {
  switch (element.type) {
    case "button":
      return { node: button(element, where, ctx) };
    case "overflow":
      return { node: overflow(element, where, ctx) };
    case "static_select":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
      return selectMenu(element, where, ctx, { asInput });
    case "multi_static_select":
      return selectMenu(element, where, ctx, { asInput, multiple: true });
    case "checkboxes":
      return choiceGroup(element, where, ctx, { asInput, multiple: true });
    case "radio_buttons":
      return choiceGroup(element, where, ctx, { asInput, multiple: false });
    case "datepicker":
      return picker(element, where, ctx, { asInput, type: "date" });
    case "timepicker":
      return picker(element, where, ctx, { asInput, type: "time" });
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input":
      return textInput(element);
    case "image":
      return { node: imagePlaceholder(element, "image-small") };
    default:
      return { node: el("span", "unsupported", `[${element.type}]`) };
  }
}

function imagePlaceholder(image, className = "image") {
  const node = el("div", "image-placeholder " + className);
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", image.alt_text || "image");
  node.textContent = "🖼 " + (image.alt_text || "image");
  return node;
}

function register(ctx, block, element, reader) {
  if (ctx.inputs && reader.read && element.action_id) {
    ctx.inputs.push({ block_id: block.block_id, action_id: element.action_id, ...reader });
  }
}

function section(block, index, ctx) {
  const node = el("div", "block section");
  const body = el("div", "section-body");
  if (block.text) body.appendChild(textNode(block.text, ctx, "div", "section-text"));
  if (block.fields && block.fields.length) {
    const fields = el("div", "fields");
    for (const field of block.fields) fields.appendChild(textNode(field, ctx, "div", "field"));
    body.appendChild(fields);
  }
  node.appendChild(body);
  if (block.accessory) {
    const accessory = block.accessory;
    const where = { block: index, element: ACCESSORY };
    const made =
      accessory.type === "image"
        ? { node: imagePlaceholder(accessory, "image-accessory") }
        : element(accessory, where, ctx);
    register(ctx, block, accessory, made);
    const wrap = el("div", "accessory");
    wrap.appendChild(made.node);
    node.appendChild(wrap);
  }
  return node;
}

function context(block, ctx) {
  const node = el("div", "block context");
  for (const item of block.elements || []) {
    if (item.type === "image") node.appendChild(imagePlaceholder(item, "image-context"));
    else node.appendChild(textNode(item, ctx, "span", "context-item"));
  }
  return node;
}

function actions(block, index, ctx) {
  const node = el("div", "block actions");
  (block.elements || []).forEach((item, position) => {
    const made = element(item, { block: index, element: position }, ctx);
    register(ctx, block, item, made);
    node.appendChild(made.node);
  });
  return node;
}

function input(block, index, ctx) {
  const node = el("div", "block input");
  const id = `input-${block.block_id}`;
  const label = el("label", "input-label");
  label.htmlFor = id;
  label.textContent = plainText(block.label);
  if (block.optional) label.appendChild(el("span", "optional", " (optional)"));
  node.appendChild(label);
  const made = element(block.element || {}, { block: index, element: 0 }, ctx, true);
  made.node.id = id;
  if (!made.node.matches("input, textarea, select")) {
    made.node.setAttribute("aria-labelledby", id + "-label");
    label.id = id + "-label";
  }
  node.appendChild(made.node);
  register(ctx, block, block.element || {}, made);
  if (block.hint) node.appendChild(textNode(block.hint, ctx, "div", "hint"));
  const error = (ctx.errors || {})[block.block_id];
  if (error) {
    const message = el("div", "field-error", error);
    message.setAttribute("role", "alert");
    node.classList.add("has-error");
    node.appendChild(message);
  }
  return node;
}

function richText(block, ctx) {
  const node = el("div", "block rich-text");
  const walk = (items) => {
    let text = "";
    for (const item of items || []) {
      if (item.type === "text") text += item.text || "";
      else if (item.type === "link") text += item.text || item.url || "";
      else if (item.type === "user") text += "@" + (ctx.names.members[item.user_id] || item.user_id);
      else if (item.type === "emoji") text += ":" + item.name + ":";
      else if (item.elements) text += walk(item.elements) + "\n";
    }
    return text;
  };
  node.appendChild(renderMrkdwn(walk(block.elements).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"), ctx.names));
  return node;
}

export function renderBlock(block, index, ctx) {
  switch (block.type) {
    case "header":
      return textNode(block.text, ctx, "div", "block header");
    case "section":
      return section(block, index, ctx);
    case "context":
      return context(block, ctx);
    case "divider":
      return el("hr", "block divider");
    case "actions":
      return actions(block, index, ctx);
    case "image": {
      const node = el("div", "block image-block");
      if (block.title) node.appendChild(textNode(block.title, ctx, "div", "image-title"));
      node.appendChild(imagePlaceholder(block));
      return node;
    }
    case "input":
      return input(block, index, ctx);
    case "rich_text":
      return richText(block, ctx);
    default:
      return el("div", "block unsupported", `[unsupported block: ${block.type}]`);
  }
}

export function renderBlocks(blocks, ctx) {
  const fragment = document.createDocumentFragment();
  (blocks || []).forEach((block, index) => fragment.appendChild(renderBlock(block, index, ctx)));
  return fragment;
}
