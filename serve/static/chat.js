// The chat page: sends each message to POST /v1/chat and shows the reply in the customer's
// words. What the API returns for programs (intent ids, route ids, scores) is never shown.
(function () {
  "use strict";

  // The page's own words, in the conversation's language (the reply's `lang`).
  const WORDS = {
    id: {send: "Kirim", placeholder: "Tulis pesanmu…", handoff: "Diteruskan ke agen CS",
         source: "Artikel bantuan", typing: "Sedang mengetik…",
         tooLong: "Pesanmu terlalu panjang (paling banyak 2.000 karakter).",
         refused: "Pesan ini tidak bisa dikirim. Coba tulis dengan kalimat lain.",
         failed: "Maaf, ada gangguan di sistem kami. Coba kirim lagi sebentar lagi.",
         offline: "Koneksi terputus. Periksa internetmu lalu kirim lagi."},
    en: {send: "Send", placeholder: "Type your message…", handoff: "Handed over to a CS agent",
         source: "Help article", typing: "Typing…",
         tooLong: "Your message is too long (2,000 characters at most).",
         refused: "This message could not be sent. Try saying it another way.",
         failed: "Sorry, something went wrong on our side. Please try again in a moment.",
         offline: "The connection was lost. Check your internet and send again."},
  };

  // The conversation's language: none until the first reply (the page greets in both).
  let lang = null;
  const words = () => WORDS[lang || "id"];
  let session = sessionStorage.getItem("nlu-session");
  if (!session) {
    session = "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36);
    sessionStorage.setItem("nlu-session", session);
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;  // text, never HTML
    return node;
  }

  function start() {
    const log = document.getElementById("log");
    const form = document.getElementById("form");
    const input = document.getElementById("text");
    const sendButton = document.getElementById("send");

    function add(className, text) {
      const div = element("div", "msg " + className, text);
      log.appendChild(div);
      log.scrollTop = log.scrollHeight;
      return div;
    }

    function speak(newLang) {
      if (!WORDS[newLang]) return;
      lang = newLang;
      document.documentElement.lang = lang;
      sendButton.textContent = WORDS[lang].send;
      input.placeholder = WORDS[lang].placeholder;
    }

    function showReply(data) {
      speak(data.lang);
      let className = "bot";
      if (data.handoff) className += " handoff";
      if (data.urgent) className += " urgent";
      const div = add(className, data.reply);
      if (data.kb_article) {
        div.appendChild(element("div", "source", words().source + ": " + data.kb_article.title));
      }
      if (data.handoff) {
        const name = data.route_name ? " · " + data.route_name : "";
        div.appendChild(element("div", "route", words().handoff + name));
      } else if (data.route_name && data.route !== "answer") {
        div.appendChild(element("div", "route", "➡ " + data.route_name));
      }
      if (data.steps && data.steps.length) {
        const list = element("ol", "steps");
        for (const step of data.steps) list.appendChild(element("li", "", step));
        div.appendChild(list);
      }
      if (data.suggestions && data.suggestions.length) {
        const box = element("div", "suggestions");
        for (const suggestion of data.suggestions) {
          const button = element("button", "", suggestion.label);
          button.type = "button";
          button.addEventListener("click", () => {
            for (const other of box.querySelectorAll("button")) other.disabled = true;
            button.classList.add("chosen");
            send(suggestion.label, suggestion.intent);
          });
          box.appendChild(button);
        }
        div.appendChild(box);
      }
      log.scrollTop = log.scrollHeight;  // again, now that the route and steps are in
    }

    function problem(status) {
      if (status === 413) return words().tooLong;
      if (status >= 400 && status < 500) return words().refused;
      return words().failed;
    }

    async function send(text, intent) {
      add("user", text);
      const typing = add("typing", words().typing);
      const body = {session_id: session, text: text};
      if (intent) body.intent = intent;
      try {
        const response = await fetch("/v1/chat", {
          method: "POST",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify(body),
        });
        typing.remove();
        if (!response.ok) {
          add("bot error", problem(response.status));
          return;
        }
        showReply(await response.json());
      } catch (err) {
        typing.remove();
        add("bot error", words().offline);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      send(text);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
