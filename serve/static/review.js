// The review inbox (serve/templates/review.html): the queue from /v1/review, decisions
// posted with fetch (the page never reloads, so a lead keeps their place), keyboard
// shortcuts, bulk decisions, undo, each message's history, and the insights.
// Message texts are always set as text (textContent), never as HTML.
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("review-config").textContent);
  const PAGE = 25;
  const VIEWS = {queue: "pending", reviewed: "reviewed", disagreement: "disagreement"};
  const REASONS = {feedback: "feedback", fallback: "fell back", low_margin: "close call",
                   sample: "random sample", reviewed: "reviewed"};
  const state = {view: "queue", items: [], current: -1, offset: 0, total: 0,
                 selected: new Set(), undo: [], armed: null, busy: false};
  const $ = (selector, root = document) => root.querySelector(selector);
  const queueEl = $("#queue");
  const form = $("#filters");

  // -- helpers ---------------------------------------------------------------------------

  function append(node, ...children) {
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);  // text, as text
    }
    return node;
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    return append(node, ...children);
  }

  const name = (label) => (label === null || label === undefined ? "out of scope" : label);
  const when = (iso) => (iso ? iso.replace("T", " ").slice(0, 16) : "");

  async function api(method, path, body) {
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: body ? {"Content-Type": "application/json"} : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) {
      window.location.assign("/review");  // signed out: back to the sign-in form
    }
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail
        : (data.detail || []).map((d) => `${(d.loc || []).slice(-1)}: ${d.msg}`).join("; ");
      throw new Error(detail || `error ${response.status}`);
    }
    return data;
  }

  let toastTimer = null;
  function toast(text, warning) {
    const box = $("#toast");
    box.textContent = text;
    box.className = "toast" + (warning ? " warning" : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, warning ? 7000 : 3500);
  }

  // -- filters and views -------------------------------------------------------------------

  function params() {
    const query = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      if (String(value).trim() !== "") query.set(key, String(value).trim());
    }
    return query;
  }

  function fillForm(query) {
    for (const field of form.elements) {
      if (field.name) field.value = query.get(field.name) || "";
    }
    if (!query.has("status")) form.elements.status.value = "pending";
  }

  function viewOf(status) {
    return Object.keys(VIEWS).find((view) => VIEWS[view] === status) || null;
  }

  function showView(view) {
    state.view = view;
    for (const tab of document.querySelectorAll(".tab")) {
      tab.setAttribute("aria-selected", String(tab.dataset.view === view));
    }
    const insights = view === "insights";
    $("#insights-view").hidden = !insights;
    $("#list-view").hidden = insights;
    if (insights) loadInsights();
  }

  async function applyFilters(event) {
    if (event) event.preventDefault();
    const query = params();
    const view = viewOf(query.get("status") || "");
    history.replaceState(null, "", "?" + query.toString());
    showView(view || "reviewed");
    if (!view) {  // a status without a tab of its own (confirmed, relabelled, any)
      for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", "false");
    }
    state.offset = 0;
    await load();
  }

  // -- the queue ---------------------------------------------------------------------------

  async function load(focusIds) {
    const query = params();
    query.set("limit", PAGE);
    query.set("offset", state.offset);
    let data;
    try {
      data = await api("GET", "/v1/review?" + query.toString());
    } catch (error) {
      toast(error.message, true);
      return;
    }
    state.items = data.items;
    state.total = data.total;
    state.selected.clear();
    state.armed = null;
    queueEl.replaceChildren(...data.items.map(renderItem));
    if (!data.items.length) queueEl.append(el("p", {class: "hint", id: "empty"}, "Nothing to review with these filters."));
    const shown = data.items.length ? `${state.offset + 1}–${state.offset + data.items.length} of ` : "";
    $("#queue-summary").textContent = `${shown}${data.total} rows (${data.messages} messages)` +
      (data.truncated ? " · only the newest messages were grouped: narrow the filters" : "");
    $("#prev-page").hidden = state.offset === 0;
    $("#next-page").hidden = state.offset + data.items.length >= data.total;
    updateBulk();
    const wanted = (focusIds || []).map((id) => state.items.findIndex((i) => i.message_ids.includes(id)))
      .find((index) => index >= 0);
    setCurrent(wanted !== undefined ? wanted : (data.items.length ? 0 : -1));
    refreshStats();
  }

  function renderItem(item) {
    const node = el("article", {class: `item ${item.priority}`, tabindex: "-1",
                               dataset: {messageId: item.message_id}});
    node.addEventListener("click", (event) => {
      if (!event.target.closest("button, select, input")) setCurrent(state.items.indexOf(item));
    });
    const select = el("input", {type: "checkbox", class: "select", "aria-label": "select for a bulk decision",
                                onchange: (event) => toggleSelected(item, event.target.checked)});
    select.checked = state.selected.has(item.message_id);
    append(node,
      el("div", {class: "item-head"}, select, el("span", {class: "message"}, item.text),
         item.count > 1 ? el("span", {class: "count", title: "near-duplicate messages"}, `×${item.count}`) : null),
      el("div", {class: "meta"},
         el("span", {class: "tag reason"}, REASONS[item.priority] || item.priority),
         el("span", {class: "tag"}, item.lang),
         item.double_review ? el("span", {class: "tag"}, "double review") : null,
         ` ${when(item.created_at)}`),
      el("div", {class: "bot"}, botLine(item)),
      item.feedback.length ? el("div", {class: "notes"}, item.feedback.map(noteLine)) : null,
      el("div", {class: `status status-${item.status}`}, statusLine(item)),
      el("div", {class: "actions"}, actions(item)),
      el("div", {class: "history", hidden: true}));
    return node;
  }

  function botLine(item) {
    const confidence = item.confidence.toFixed(2);
    if (item.fallback) {
      return `bot: not understood (${item.fallback}) · best guess ${item.top_intent} ${confidence}`;
    }
    return `bot: ${item.intent} → ${item.route || "no route"} · ${confidence}`;
  }

  function noteLine(note) {
    const correction = note.out_of_scope ? " → out of scope"
      : (note.correct_intent ? ` → ${note.correct_intent}` : "");
    const route = note.correct_route ? ` ⇒ ${note.correct_route}` : "";
    return el("div", {class: "note"}, `${note.source}:${correction}${route}`,
              note.comment ? ` “${note.comment}”` : "");
  }

  function statusLine(item) {
    if (item.disagreement && item.labels.length) {
      return el("span", {class: "disputed"}, "reviewers disagree: " +
        item.labels.map((l) => `${l.reviewer}: ${name(l.label)}`).join(", "));
    }
    if (item.status === "pending") return "pending";
    return `${item.status}: ${name(item.label)} by ${item.reviewer}`;
  }

  function actions(item) {
    const buttons = [];
    const fellBack = Boolean(item.fallback);
    const outOfScope = el("button", {type: "button", class: "out-of-scope" + (fellBack ? " primary" : ""),
                                     title: fellBack ? "the bot's answer: out of scope" : "out of scope",
                                     onclick: () => decide(item, null)},
                          el("span", {class: "key"}, "o"), "out of scope");
    if (fellBack) buttons.push(outOfScope);
    item.suggestions.forEach((intent, rank) => {
      const confirm = !fellBack && rank === 0;
      const button = el("button", {type: "button", class: "suggestion" + (confirm ? " primary" : "") + (fellBack ? " guess" : ""),
                                   dataset: {rank: String(rank + 1), label: intent},
                                   title: fellBack ? "a guess of the bot: press twice" : ""},
                        el("span", {class: "key"}, String(rank + 1)), confirm ? `✓ ${intent}` : intent);
      // A fallback's guesses are not the bot's answer: the first press only arms.
      button.addEventListener("click", () => (fellBack && state.armed !== button ? arm(button) : decide(item, intent)));
      buttons.push(button);
    });
    if (!fellBack) buttons.push(outOfScope);
    if (item.agent_suggestion) {
      buttons.push(el("button", {type: "button", class: "agent", dataset: {label: name(item.agent_suggestion.label)},
                                 onclick: () => decide(item, item.agent_suggestion.label)},
                      el("span", {class: "key"}, "a"), `agent: ${name(item.agent_suggestion.label)}`));
    }
    const other = el("select", {class: "relabel-select", "aria-label": "another intent"},
                     el("option", {value: "", disabled: true, selected: true}, "other intent…"),
                     config.intents.map((intent) => el("option", {value: intent}, intent)));
    buttons.push(other, el("button", {type: "button", class: "relabel", onclick: () => {
      if (other.value) decide(item, other.value); else toast("Choose an intent first");
    }}, "relabel"));
    buttons.push(el("button", {type: "button", class: "history-toggle", onclick: () => toggleHistory(item)},
                    el("span", {class: "key"}, "h"), "history"));
    return buttons;
  }

  function arm(button) {
    disarm();
    state.armed = button;
    button.classList.add("armed");
    button.dataset.text = button.lastChild.textContent;
    button.lastChild.textContent = `${button.dataset.label}? press again`;
  }

  function disarm() {
    const button = state.armed;
    if (!button) return;
    state.armed = null;
    button.classList.remove("armed");
    button.lastChild.textContent = button.dataset.text;
  }

  function nodeOf(item) {
    return queueEl.querySelector(`.item[data-message-id="${CSS.escape(item.message_id)}"]`);
  }

  function setCurrent(index) {
    const old = queueEl.querySelector(".item.current");
    if (old) old.classList.remove("current");
    disarm();
    state.current = index;
    const item = state.items[index];
    if (!item) return;
    const node = nodeOf(item);
    node.classList.add("current");
    node.focus({preventScroll: true});
    node.scrollIntoView({block: "nearest"});
  }

  // -- decisions ---------------------------------------------------------------------------

  async function decide(item, label, items) {
    if (state.busy) return;
    const chosen = items || [item];
    const ids = chosen.flatMap((i) => i.message_ids);
    state.busy = true;
    disarm();
    try {
      const data = await api("POST", "/v1/review/bulk",
                             {message_ids: ids, label, resolve: state.view === "disagreement"});
      state.undo.push(ids);
      warnAboutOthers(data.decisions);
      settle(chosen, data.decisions);
    } catch (error) {
      toast(error.message, true);
    } finally {
      state.busy = false;
    }
  }

  function warnAboutOthers(decisions) {
    const others = decisions.flatMap((d) => d.others.filter((o) => o.label !== d.label));
    if (others.length) {
      const who = [...new Set(others.map((o) => `${o.reviewer} said ${name(o.label)}`))].join(", ");
      toast(`Another reviewer decided differently (${who}): see Disagreements.`, true);
    } else {
      toast(decisions.length > 1 ? `${decisions.length} messages labelled` : "Saved");
    }
  }

  function settle(chosen, decisions) {
    const first = Math.min(...chosen.map((i) => state.items.indexOf(i)));
    const leaves = state.view === "queue" || state.view === "disagreement";
    for (const item of chosen) {
      state.selected.delete(item.message_id);
      const decision = decisions.find((d) => item.message_ids.includes(d.message_id));
      if (leaves) {
        nodeOf(item).remove();
        state.items.splice(state.items.indexOf(item), 1);
      } else {
        Object.assign(item, {label: decision.label, reviewer: decision.reviewer,
                             status: decision.label === item.intent ? "confirmed" : "relabelled",
                             disagreement: decision.disagreement, labels: []});
        nodeOf(item).replaceWith(renderItem(item));
      }
    }
    updateBulk();
    refreshStats();
    if (!state.items.length) {
      load();
    } else {
      setCurrent(leaves ? Math.min(first, state.items.length - 1)
                        : Math.min(first + 1, state.items.length - 1));
    }
  }

  async function undoLast() {
    const ids = state.undo.pop();
    if (!ids) {
      toast("Nothing to undo");
      return;
    }
    try {
      await api("POST", "/v1/review/undo", {message_ids: ids});
    } catch (error) {
      toast(error.message, true);
      return;
    }
    toast("Undone");
    await load(ids);
  }

  function toggleSelected(item, on) {
    if (on) state.selected.add(item.message_id); else state.selected.delete(item.message_id);
    const box = $(".select", nodeOf(item));
    if (box) box.checked = on;
    updateBulk();
  }

  function selectedItems() {
    return state.items.filter((item) => state.selected.has(item.message_id));
  }

  function updateBulk() {
    const chosen = selectedItems();
    $("#bulk-bar").hidden = chosen.length === 0;
    const messages = chosen.reduce((n, item) => n + item.count, 0);
    $("#bulk-count").textContent = `${chosen.length} rows (${messages} messages) selected`;
  }

  async function toggleHistory(item) {
    const box = $(".history", nodeOf(item));
    if (!box.hidden) {
      box.hidden = true;
      return;
    }
    let data;
    try {
      data = await api("GET", `/v1/review/${encodeURIComponent(item.message_id)}/history`);
    } catch (error) {
      toast(error.message, true);
      return;
    }
    const rows = data.decisions.map((d) => el("li", {class: d.undone_at ? "undone" : ""},
      `${when(d.created_at)} ${d.reviewer}: ${name(d.previous_label)} → ${name(d.label)}`,
      d.model_version ? ` (model ${d.model_version})` : "", d.blind ? " · blind" : "",
      d.resolves ? " · resolves" : "",
      d.undone_at ? ` · undone by ${d.undone_by} ${when(d.undone_at)}` : ""));
    box.replaceChildren();
    append(box,
      rows.length ? el("ol", {}, rows) : el("p", {}, "No decision yet."),
      data.hidden ? el("p", {class: "hint"}, `${data.hidden} decision(s) of another reviewer hidden until you decide (double review).`) : null,
      item.count > 1 ? el("p", {class: "hint"}, `History of the newest of the ${item.count} messages.`) : null);
    box.hidden = false;
  }

  // -- keyboard ----------------------------------------------------------------------------

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, select, textarea")) return;
    if (state.view === "insights") return;
    const item = state.items[state.current];
    const node = item && nodeOf(item);
    const press = (selector) => {
      const button = node && $(selector, node);
      if (button) button.click(); else toast("Not on this message");
    };
    const key = event.key;
    if (key === "j" || key === "k") {
      setCurrent(Math.max(0, Math.min(state.items.length - 1, state.current + (key === "j" ? 1 : -1))));
    } else if (key === "1" || key === "2" || key === "3") {
      press(`.suggestion[data-rank="${key}"]`);
    } else if (key === "o") {
      press(".out-of-scope");
    } else if (key === "a") {
      press(".agent");
    } else if (key === "x") {
      if (item) toggleSelected(item, !state.selected.has(item.message_id));
    } else if (key === "u") {
      undoLast();
    } else if (key === "h") {
      if (item) toggleHistory(item);
    } else {
      return;
    }
    event.preventDefault();
  });

  // -- summary, insights, leads ----------------------------------------------------------------

  async function refreshStats() {
    let stats;
    try {
      stats = await api("GET", "/v1/review/stats");
    } catch (error) {
      return;
    }
    const set = (id, value) => { $(id).textContent = value; };
    set("#stat-pending", stats.pending);
    set("#pending-count", stats.pending);
    set("#reviewed-count", stats.reviewed);
    set("#disagreement-count", stats.disagreements || "");
    set("#wrong-intent-count", `${stats.wrong_intent} of ${stats.answered}`);
    set("#misrouted-count", `${stats.misrouted} of ${stats.answered}`);
    set("#fallback-oos-count", `${stats.fallbacks_out_of_scope} of ${stats.fallbacks}`);
    set("#fallback-missed-count", `${stats.fallbacks_missed} of ${stats.fallbacks}`);
    set("#precision", stats.sure_precision === null ? "none yet"
      : `${Math.round(100 * stats.sure_precision)} % of ${stats.sure_reviewed}`);
  }

  function table(headers, rows, empty) {
    if (!rows.length) return el("p", {class: "hint"}, empty || "Nothing yet.");
    return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
              el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c) => el("td", {}, c))))));
  }

  function bar(value, top, extra) {
    const span = el("span", {class: "bar" + (extra ? ` ${extra}` : "")});
    span.style.width = `${Math.round(60 * value / Math.max(top, 1))}px`;  // CSSOM: allowed by the CSP
    return el("span", {}, span, ` ${value}`);
  }

  function examples(texts) {
    return el("ul", {class: "examples"}, texts.map((t) => el("li", {}, t)));
  }

  async function loadInsights() {
    let data;
    try {
      data = await api("GET", "/v1/review/insights");
    } catch (error) {
      toast(error.message, true);
      return;
    }
    const fill = (id, node) => $(id).replaceChildren(node);
    fill("#confused-intents", table(["bot said → lead said", "messages"],
      data.confused_intents.map((p) => [el("div", {}, `${p.predicted} → ${p.correct}`, examples(p.examples)), String(p.count)]),
      "No wrong intent reviewed yet."));
    const worst = Math.max(1, ...data.misroutes_per_day.map((m) => m.misrouted));
    fill("#misroutes-per-day", table(["day", "route the bot chose", "misrouted", "of reviewed"],
      data.misroutes_per_day.map((m) => [m.day, m.route, bar(m.misrouted, worst), String(m.reviewed)])));
    const most = Math.max(1, ...data.fallbacks_per_day.map((f) => f.missed));
    fill("#fallbacks-per-day", table(["day", "missed (should have answered)", "rightly out of scope", "reviewed"],
      data.fallbacks_per_day.map((f) => [f.day, el("div", {}, bar(f.missed, most, "fallbacks"),
        Object.keys(f.missed_routes).length ? el("div", {class: "hint"}, Object.entries(f.missed_routes).map(([r, n]) => `${r}: ${n}`).join(", ")) : null),
        String(f.out_of_scope), String(f.reviewed)])));
    fill("#precision-when-sure", table(["intent", "right", "of sampled"],
      data.precision_when_sure.map((p) => [p.intent, `${Math.round(100 * p.precision)} %`, String(p.reviewed)]),
      "No sampled answer reviewed yet."));
    fill("#recurring-topics", table(["topic", "messages", "days"],
      data.recurring_out_of_scope.map((t) => [el("div", {}, t.name, examples(t.examples)), String(t.messages),
                                               `${t.days}${t.recurring ? " (keeps coming back)" : ""}`]),
      "No rejected messages yet."));
    fill("#agreement", table(["reviewers", "messages", "agreed", "kappa"],
      data.agreement.map((a) => [a.reviewers.join(" & "), String(a.messages), `${Math.round(100 * a.observed)} %`,
                                 a.kappa === null ? "undefined (one label only)" : a.kappa.toFixed(2)]),
      "No message reviewed blind by two reviewers yet."));
    const training = data.training;
    if (!training) {
      const note = el("p", {class: "hint"}, data.training_error || "Training data not available.");
      fill("#too-few", note);
      fill("#too-similar", note.cloneNode(true));
      return;
    }
    fill("#too-few", table(["intent", "examples", "why"],
      training.too_few.map((t) => [t.intent, String(t.examples), t.reason]),
      `Every intent has enough examples (${training.examples} in all).`));
    fill("#too-similar", table(["intents", "examples closest to the other", "most alike"],
      training.too_similar.map((s) => [s.intents.join(" & "), `${s.examples} (${Math.round(100 * s.share)} %)`,
                                       examples(s.closest)]),
      "No two intents look alike."));
  }

  async function loadLeads() {
    const box = $("#lead-list");
    if (!box) return;
    try {
      const data = await api("GET", "/v1/review/leads");
      box.replaceChildren(table(["lead", "decisions", "status"], data.leads.map((l) => [
        l.name, String(l.decisions), l.revoked_at ? `revoked ${when(l.revoked_at)}` : "active"]),
        "No lead yet."));
    } catch (error) {
      box.replaceChildren(el("p", {class: "error"}, error.message));
    }
  }

  // -- wiring ------------------------------------------------------------------------------

  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => {
      const view = tab.dataset.view;
      if (view === "insights") {
        showView(view);
        return;
      }
      form.elements.status.value = VIEWS[view];
      applyFilters();
    });
  }
  form.addEventListener("submit", applyFilters);
  $("#clear-filters").addEventListener("click", () => {
    const status = form.elements.status.value;
    form.reset();
    form.elements.status.value = status;
    applyFilters();
  });
  $("#prev-page").addEventListener("click", () => { state.offset = Math.max(0, state.offset - PAGE); load(); });
  $("#next-page").addEventListener("click", () => { state.offset += PAGE; load(); });
  $("#bulk-label").addEventListener("click", () => {
    const intent = $("#bulk-intent").value;
    if (!intent) toast("Choose an intent for the selection first");
    else decide(null, intent, selectedItems());
  });
  $("#bulk-oos").addEventListener("click", () => decide(null, null, selectedItems()));
  $("#bulk-clear").addEventListener("click", () => {
    for (const item of selectedItems()) toggleSelected(item, false);
  });

  fillForm(new URLSearchParams(window.location.search));
  showView(viewOf(form.elements.status.value) || "reviewed");
  load();
  loadLeads();
})();
