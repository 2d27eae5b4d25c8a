// The chat page (serve/templates/chat.html): served from /static, as the pages' CSP allows.
"use strict";
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  let session = sessionStorage.getItem("nlu-session");
  if (!session) {
    session = "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    sessionStorage.setItem("nlu-session", session);
  }

  function add(cls, text) {
    const div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;  // text, never HTML
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function showReply(data) {
    const div = add("bot" + (data.handoff ? " handoff" : "") + (data.urgent ? " urgent" : ""),
                    data.reply);
    div.dataset.intent = data.intent || "";
    if (data.kb_article) {
      const source = document.createElement("div");
      source.className = "route";
      source.textContent = "📄 " + data.kb_article.title;
      div.appendChild(source);
    }
    if (data.route && data.route !== "answer") {
      const route = document.createElement("div");
      route.className = "route";
      route.dataset.route = data.route;
      route.textContent = (data.handoff ? "🤝 live chat — " : "➡ ") + data.route;
      div.appendChild(route);
    }
    if (data.steps && data.steps.length) {
      const list = document.createElement("ol");
      list.className = "steps";
      for (const step of data.steps) {
        const item = document.createElement("li");
        item.textContent = step;
        list.appendChild(item);
      }
      div.appendChild(list);
    }
    if (data.suggestions && data.suggestions.length) {
      const box = document.createElement("div");
      box.className = "suggestions";
      for (const s of data.suggestions) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = s.label;
        button.addEventListener("click", () => send(s.label));
        box.appendChild(button);
      }
      div.appendChild(box);
    }
    log.scrollTop = log.scrollHeight;  // again, now that the route and steps are in
  }

  async function send(text) {
    add("user", text);
    try {
      const response = await fetch("/v1/chat", {
        method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({session_id: session, text: text}),
      });
      const data = await response.json();
      if (!response.ok) {
        const detail = typeof data.detail === "string" ? data.detail
          : (data.detail || []).map(d => d.msg).join("; ");
        add("bot error", "Error " + response.status + ": " + detail);
        return;
      }
      showReply(data);
    } catch (err) {
      add("bot error", "Network error: " + err);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
})();
