// Slack's mrkdwn as DOM nodes: *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes,
// <url|label> links, <@U…> and <#C…> mentions, <!here>, <!date…|fallback>, :emoji:, and the
// &lt; &gt; &amp; entities. Every piece of upstream text goes into a text node (textContent);
// nothing is parsed as HTML, so nothing a message says can inject markup.

// Text symbols where a font without colour emoji has one, so a page looks the same anywhere.
const EMOJI = {
  white_check_mark: "✔",
  heavy_check_mark: "✔",
  ballot_box_with_check: "☑",
  warning: "⚠",
  memo: "✎",
  pencil2: "✎",
  information_source: "ℹ",
  arrows_counterclockwise: "⟳",
  x: "✖",
  tada: "★",
  star: "★",
  calendar: "📆",
  date: "📅",
  hourglass: "⌛",
  hourglass_flowing_sand: "⏳",
  moneybag: "💰",
  chart_with_upwards_trend: "📈",
  chart_with_downwards_trend: "📉",
  bell: "🔔",
  wave: "👋",
  point_right: "☞",
  exclamation: "❗",
  thumbsup: "👍",
  "+1": "👍",
  slightly_smiling_face: "🙂",
  smile: "😄",
};

const PLACEHOLDER_BASE = 0xe000;
const SAFE_SCHEMES = ["http:", "https:", "mailto:"];

export function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export function withEmoji(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// One <…> control sequence as a node.
function controlNode(inner, names) {
  const [target, ...rest] = inner.split("|");
  const label = rest.length ? decodeEntities(rest.join("|")) : "";
  if (target.startsWith("@U") || target.startsWith("@W")) {
    const id = target.slice(1);
    const name = names.members[id] || label || id;
    return el("span", "mention", "@" + name);
  }
  if (target.startsWith("#C") || target.startsWith("#G")) {
    const id = target.slice(1);
    return el("span", "mention", "#" + (names.channels[id] || label || id));
  }
  if (target.startsWith("!")) {
    const word = target.slice(1).split("^")[0];
    if (["here", "channel", "everyone"].includes(word)) return el("span", "mention", "@" + word);
    return document.createTextNode(label || target.slice(1));
  }
  const href = decodeEntities(target);
  let scheme = "";
  try {
    scheme = new URL(href).protocol;
  } catch (error) {
    scheme = "";
  }
  if (!SAFE_SCHEMES.includes(scheme)) return document.createTextNode(label || href);
  const link = el("a", "link", label || href);
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  return link;
}

// Plain text with placeholders: text nodes and the control sequences they stand for.
function appendText(parent, text, controls, names) {
  let buffer = "";
  const flush = () => {
    if (buffer) parent.appendChild(document.createTextNode(withEmoji(decodeEntities(buffer))));
    buffer = "";
  };
  for (const ch of text) {
    const index = ch.codePointAt(0) - PLACEHOLDER_BASE;
    if (index >= 0 && index < controls.length) {
      flush();
      parent.appendChild(controlNode(controls[index], names));
    } else {
      buffer += ch;
    }
  }
  flush();
}

// Inline formatting: the earliest marker that opens and closes on word boundaries wins.
const INLINE = [
  { re: /`([^`\n]+)`/, tag: "code", raw: true },
  { re: /(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/, tag: "strong" },
  { re: /(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/, tag: "em" },
  { re: /(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/, tag: "s" },
];

function appendInline(parent, text, controls, names) {
  while (text) {
    let best = null;
    for (const rule of INLINE) {
      const match = rule.re.exec(text);
      if (!match) continue;
      const lead = rule.raw ? "" : match[1];
      const start = match.index + lead.length;
      if (!best || start < best.start) best = { rule, match, lead, start };
    }
    if (!best) {
      appendText(parent, text, controls, names);
      return;
    }
    const { rule, match, start } = best;
    appendText(parent, text.slice(0, start), controls, names);
    const inner = rule.raw ? match[1] : match[2];
    const node = el(rule.tag);
    if (rule.raw) appendText(node, inner, controls, names);
    else appendInline(node, inner, controls, names);
    parent.appendChild(node);
    text = text.slice(match.index + match[0].length);
  }
}

function appendLines(parent, text, controls, names) {
  const lines = text.split("\n");
  let quote = null;
  lines.forEach((line, index) => {
    if (line.startsWith("&gt; ") || line === "&gt;") {
      if (!quote) {
        quote = el("blockquote");
        parent.appendChild(quote);
      } else {
        quote.appendChild(el("br"));
      }
      appendInline(quote, line.replace(/^&gt; ?/, ""), controls, names);
      return;
    }
    quote = null;
    appendInline(parent, line, controls, names);
    if (index < lines.length - 1 && !(lines[index + 1] || "").startsWith("&gt;")) {
      parent.appendChild(el("br"));
    }
  });
}

// mrkdwn text → a fragment. names: {members: {id: name}, channels: {id: name}}.
export function renderMrkdwn(text, names) {
  const fragment = document.createDocumentFragment();
  const controls = [];
  const marked = String(text || "").replace(/<([^<>\n]+)>/g, (whole, inner) => {
    controls.push(inner);
    return String.fromCodePoint(PLACEHOLDER_BASE + controls.length - 1);
  });
  const parts = marked.split(/```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1 && index < parts.length - 1) {
      const pre = el("pre", "code-block");
      appendText(pre, part.replace(/^\n/, ""), controls, names);
      fragment.appendChild(pre);
    } else {
      const text = index % 2 === 1 ? "```" + part : part;
      appendLines(fragment, text, controls, names);
    }
  });
  return fragment;
}

// A text object ({type: plain_text | mrkdwn, text}) → a fragment.
export function renderTextObject(object, names) {
  if (!object) return document.createDocumentFragment();
  if (object.type === "mrkdwn") return renderMrkdwn(object.text, names);
  const fragment = document.createDocumentFragment();
  const text = String(object.text || "");
  fragment.appendChild(document.createTextNode(object.emoji === false ? text : withEmoji(text)));
  return fragment;
}

export function plainText(object) {
  if (!object) return "";
  const text = String(object.text || "");
  return object.type === "mrkdwn" ? decodeEntities(text) : withEmoji(text);
}
