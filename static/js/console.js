// Keyboard-first triage. No inline handlers anywhere: the CSP forbids them, so everything is bound here.
(function () {
  "use strict";

  function typing(event) {
    var target = event.target;
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr.case-row"));
  }

  function selectedIndex(list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].classList.contains("selected")) return i;
    }
    return -1;
  }

  function select(list, index) {
    if (!list.length) return;
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row) { row.classList.remove("selected"); row.removeAttribute("aria-selected"); });
    var row = list[index];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function toggleShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }

  function focusField(formId) {
    var form = document.getElementById(formId);
    if (!form) return false;
    var field = form.querySelector("textarea, input[type=text], select");
    if (field) { field.focus(); field.scrollIntoView({ block: "center" }); }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var list = rows();
    switch (event.key) {
      case "j":
        select(list, selectedIndex(list) + 1);
        break;
      case "k":
        select(list, selectedIndex(list) - 1);
        break;
      case "Enter":
        var index = selectedIndex(list);
        if (index < 0) return;
        window.location.assign(list[index].dataset.href);
        break;
      case "c":
        var claim = document.getElementById("claim-next") || document.querySelector("form.claim-next");
        if (!claim) return;
        claim.requestSubmit();
        break;
      case "n":
        if (!focusField("note-form")) return;
        break;
      case "e":
        if (!focusField("escalate-form")) return;
        break;
      case "a":
        var act = document.getElementById("take-action");
        if (!act) return;
        window.location.assign(act.href);
        break;
      case "d":
        if (!focusField("dismiss-form")) return;
        break;
      case "x":
        var box = selectedIndex(list) >= 0 && list[selectedIndex(list)].querySelector("input.pick");
        if (!box) return;
        box.checked = !box.checked;
        break;
      case "?":
        toggleShortcuts();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // "Select every case matching the filters" carries the filters with the bulk form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "bulk-form") return;
    form.querySelectorAll("input.carried").forEach(function (input) { input.remove(); });
    var filters = document.getElementById("queue-filters");
    if (filters) {
      new FormData(filters).forEach(function (value, name) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = value; input.className = "carried";
        form.appendChild(input);
      });
    }
  });

  // After htmx swaps the queue rows, start again from the first row.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "queue-results") select(rows(), 0);
  });
})();
