// Suggestions as you type, for every <input data-suggest="/search.json">. The form still works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function attach(input) {
    var form = input.form;
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    var active = -1;
    var latest = 0;

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function select(index) {
      var items = list.children;
      if (!items.length) return;
      active = (index + items.length) % items.length;
      for (var i = 0; i < items.length; i++) items[i].setAttribute("aria-selected", i === active ? "true" : "false");
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function show(data) {
      list.textContent = "";
      data.hits.forEach(function (hit, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        var link = document.createElement("a");
        link.href = hit.href;
        var id = document.createElement("span");
        id.className = "id";
        id.textContent = hit.identifier;
        var rel = document.createElement("span");
        rel.className = "rel";
        rel.textContent = hit.release;
        link.appendChild(rel);
        link.appendChild(id);
        link.appendChild(document.createTextNode(" " + hit.label));
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = data.hits.length === 0;
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      active = -1;
    }

    var ask = debounce(function () {
      var query = input.value.trim();
      if (!query) { close(); return; }
      var params = new URLSearchParams({ q: query, limit: "8" });
      var release = form.querySelector("select[name=release]");
      if (release && release.value) params.set("release", release.value);
      var lang = form.querySelector("input[name=lang]");
      if (lang) params.set("lang", lang.value);
      var ticket = ++latest;
      fetch(input.getAttribute("data-suggest") + "?" + params.toString(), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { hits: [] }; })
        .then(function (data) { if (ticket === latest) show(data); })
        .catch(function () { close(); });
    }, 120);

    input.addEventListener("input", ask);
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { select(active + 1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { select(active - 1); event.preventDefault(); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = list.children[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), attach);
    // Selectors and switches apply at once; without JavaScript the Show button does it.
    Array.prototype.forEach.call(document.querySelectorAll("[data-autosubmit]"), function (control) {
      control.addEventListener("change", function () { control.form.submit(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
