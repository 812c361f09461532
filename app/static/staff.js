// Progressive enhancement for the staff workspace (CSP: no inline scripts). Without
// JavaScript every page works: the server already puts the focus where it belongs.
(function () {
  "use strict";

  // The counter: filter categories by name or keyword as you type. Without JavaScript the
  // grouped <select> works on its own (type the initial, use arrows).
  function categoryFilter() {
    var filter = document.getElementById("category-filter");
    var select = document.getElementById("category");
    if (!filter || !select) return;
    filter.hidden = false;
    function normalize(text) {
      return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
    filter.addEventListener("input", function () {
      var query = normalize(filter.value.trim());
      var first = null;
      Array.prototype.forEach.call(select.querySelectorAll("option[value]:not([value=''])"), function (option) {
        var haystack = normalize(option.textContent + " " + (option.dataset.keywords || ""));
        var match = !query || haystack.indexOf(query) !== -1;
        option.hidden = !match;
        if (match && !first) first = option;
      });
      if (query && first && select.value !== first.value) {
        select.value = first.value;
        select.dispatchEvent(new Event("change"));
      }
    });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  }

  // The counter: the chosen category's attention protocol, live. Without JavaScript the
  // "Ver el protocolo" button brings the page back with it (the form as typed).
  function protocolPanel() {
    var panel = document.getElementById("protocolo-panel");
    var select = document.getElementById("category");
    var readForm = document.getElementById("protocolo-leido");
    if (!panel || !select) return;
    Array.prototype.forEach.call(document.querySelectorAll(".js-hide"), function (el) {
      el.hidden = true;
    });
    function load() {
      var url = panel.getAttribute("data-url") + "?categoria=" + encodeURIComponent(select.value);
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) { panel.innerHTML = html; });
    }
    select.addEventListener("change", load);
    if (readForm) {
      readForm.addEventListener("submit", function (event) {
        event.preventDefault();
        event.stopImmediatePropagation();  // not leaving the page: no "half-filled" question
        fetch(readForm.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-Fragment": "1" },
          body: new FormData(readForm)
        }).then(load);
      });
    }
  }

  // A half-filled form (data-confirm-leave) is never left without asking: links, access keys
  // and other forms ask first (with our own words); reload, back and closing the tab get the
  // browser's own question.
  function guardHalfFilledForms() {
    var form = document.querySelector("form[data-confirm-leave]");
    if (!form) return;
    var message = form.getAttribute("data-confirm-leave");
    var dirty = false;
    var leaving = false;
    function typed(event) {
      if (event.target && event.target.id !== "category-filter") dirty = true;
    }
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    form.addEventListener("submit", function () { leaving = true; });
    function ask(event) {
      if (!dirty || leaving) return;
      if (window.confirm(message)) { leaving = true; } else { event.preventDefault(); }
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || link.target === "_blank" || link.getAttribute("href").charAt(0) === "#") return;
      ask(event);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (other) {
      if (other !== form) other.addEventListener("submit", ask);
    });
    window.addEventListener("beforeunload", function (event) {
      if (dirty && !leaving) { event.preventDefault(); event.returnValue = message; }
    });
  }

  // The server marks where the cursor goes next (autofocus); some browsers skip autofocus on
  // a non-field (the error summary), and Chromium applies it at its next frame, which on a busy
  // machine comes after the page has loaded (the counter's receipt: Enter must already serve
  // the next person). So make sure, before the load event.
  function focusMarked() {
    var marked = document.querySelector("[autofocus]");
    if (marked && document.activeElement !== marked) marked.focus();
  }

  function start() {
    categoryFilter();
    protocolPanel();
    guardHalfFilledForms();
    focusMarked();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
