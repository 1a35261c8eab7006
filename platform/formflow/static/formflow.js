/* Formflow pages: small behaviours htmx does not cover.  No inline handlers: everything
   is wired here from data attributes and classes. */
(function () {
  "use strict";

  function inputsOf(wrapper) {
    return Array.prototype.filter.call(
      wrapper.querySelectorAll("input, select, textarea, button[name='_op']"),
      function (el) { return el.closest(".ff-field") === wrapper; });
  }

  /* Field states from the live preview: visible, required, read-only. */
  function applyState(span) {
    var wrapper = document.getElementById("w-" + span.dataset.for);
    if (!wrapper) { return; }
    wrapper.hidden = span.dataset.visible === "false";
    var required = span.dataset.required === "true";
    var readonly = span.dataset.readonly === "true";
    wrapper.classList.toggle("is-required", required);
    inputsOf(wrapper).forEach(function (el) {
      if (el.type === "file" || el.name === "_op") { el.disabled = readonly; return; }
      el.disabled = readonly;
      if (el.type !== "hidden") {
        if (required) { el.setAttribute("aria-required", "true"); } else { el.removeAttribute("aria-required"); }
      }
    });
  }

  /* Error text from the live preview: mark its input invalid, and for a line-item cell
     the cell and its row. */
  function applyFeedback(box) {
    var name = box.id.slice(3);
    var input = document.getElementById("f-" + name);
    var invalid = box.textContent.trim() !== "";
    var cell = document.getElementById("w-" + name);
    if (cell && cell.classList.contains("ff-cell")) {
      cell.classList.toggle("ff-cell-invalid", invalid);
      var row = cell.closest("tr");
      if (row) { row.classList.toggle("ff-row-invalid", !!row.querySelector(".ff-cell-invalid")); }
    }
    if (!input) { return; }
    var targets = input.matches("input, select, textarea") ? [input] : input.querySelectorAll("input:not([type=hidden])");
    Array.prototype.forEach.call(targets, function (el) {
      el.classList.toggle("is-invalid", invalid);
      if (invalid) { el.setAttribute("aria-invalid", "true"); } else { el.removeAttribute("aria-invalid"); }
    });
  }

  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) { fn(root); }
    if (root.querySelectorAll) { Array.prototype.forEach.call(root.querySelectorAll(selector), fn); }
  }

  /* Which inputs the user has been through: the preview shows "required" only there. */
  function touch(form, name) {
    var field = form && form.querySelector("[data-touched]");
    if (!field || !name) { return; }
    name = name.replace(/^_q_/, "").replace(/^_upload_/, "");
    var names = field.value ? field.value.split(",") : [];
    if (names.indexOf(name) < 0) { names.push(name); field.value = names.join(","); }
  }

  function changed(el) {
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* Pickers: a combobox searching choices, a hidden input holding the chosen value. */
  function pickerParts(el) {
    var box = el.closest("[data-picker]");
    return box && {
      box: box,
      value: box.querySelector("[data-picker-value]"),
      text: box.querySelector("[data-picker-text]"),
      list: box.querySelector("[role=listbox]")
    };
  }

  /* Inside a scrolling box (line items) the choices would be clipped: while they are
     open, the box lets them hang out below. */
  function placeList(parts) {
    var scroller = parts.box.closest(".table-responsive");
    if (scroller) { scroller.classList.toggle("ff-picking", !parts.list.hidden); }
  }

  /* Values the live preview worked out for line-item inputs still empty (a default
     taken from the row's product): filled in unless the user is in that input. */
  function fillInput(span) {
    var input = document.getElementById("f-" + span.dataset.fill);
    if (!input || input.value !== "" || input === document.activeElement) { return; }
    input.value = span.dataset.value;
  }

  function closeList(parts) {
    parts.list.hidden = true;
    placeList(parts);
    parts.text.setAttribute("aria-expanded", "false");
    parts.text.removeAttribute("aria-activedescendant");
  }

  function choose(option) {
    var parts = pickerParts(option);
    if (!parts || option.getAttribute("aria-disabled") === "true") { return; }
    parts.value.value = option.dataset.value;
    parts.text.value = option.dataset.label;
    closeList(parts);
    touch(option.closest("form"), parts.value.name);
    changed(parts.value);
  }

  function moveActive(parts, step) {
    var options = parts.list.querySelectorAll(".ff-option");
    if (!options.length) { return; }
    var current = parts.list.querySelector("[aria-selected=true]");
    var index = Array.prototype.indexOf.call(options, current) + step;
    index = Math.max(0, Math.min(options.length - 1, index));
    if (current) { current.setAttribute("aria-selected", "false"); current.classList.remove("active"); }
    options[index].setAttribute("aria-selected", "true");
    options[index].classList.add("active");
    options[index].scrollIntoView({ block: "nearest" });
    parts.text.setAttribute("aria-activedescendant", options[index].id);
  }

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-picker-text]")) { return; }
    var parts = pickerParts(el);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (parts.list.hidden) { return; }
      event.preventDefault();
      moveActive(parts, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      var active = parts.list.querySelector("[aria-selected=true]");
      if (!parts.list.hidden && active) { event.preventDefault(); choose(active); }
      else if (!parts.list.hidden) { event.preventDefault(); }
    } else if (event.key === "Escape" && !parts.list.hidden) {
      event.preventDefault();
      closeList(parts);
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest(".ff-option");
    if (option) { event.preventDefault(); choose(option); }
  });

  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-picker-text]") && el.value.trim() === "") {
      var parts = pickerParts(el);
      if (parts.value.value !== "") { parts.value.value = ""; changed(parts.value); }
    }
  });

  document.addEventListener("focusout", function (event) {
    var el = event.target;
    if (!el.matches) { return; }
    var form = el.closest("form.ff-form");
    if (form && el.name) { touch(form, el.name); }
    if (el.matches("[data-picker-text]")) {
      var parts = pickerParts(el);
      setTimeout(function () { closeList(parts); }, 150);
    }
    if (el.matches(".ff-money")) { formatMoney(el); }
  });

  document.addEventListener("change", function (event) {
    var el = event.target;
    var form = el.closest && el.closest("form.ff-form");
    if (form && el.name) { touch(form, el.name); }
  });

  /* Money: thousands separators once the user leaves the input. */
  function formatMoney(el) {
    var text = el.value.replace(/,/g, "").trim();
    if (!/^-?\d+(\.\d*)?$/.test(text)) { return; }
    var parts = text.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    el.value = parts.length > 1 ? whole + "." + parts[1] : whole;
  }

  document.addEventListener("click", function (event) {
    var clear = event.target.closest && event.target.closest("[data-upload-clear]");
    if (clear) {
      var box = document.getElementById("up-" + clear.dataset.uploadClear);
      var hidden = box.querySelector("input[type=hidden]");
      hidden.value = "";
      var current = box.querySelector(".ff-upload-current");
      if (current) { current.remove(); }
      changed(hidden);
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-ff-print]")) { window.print(); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  /* Dialogs (process actions): htmx loads a <dialog>'s content, then it opens; a
     refusal (403, 409, 422, ...) is shown in it rather than dropped. */
  var SHOWN_ERRORS = [400, 403, 404, 409, 422, 429, 503];

  function openDialog(dialog) {
    if (!dialog.open && dialog.showModal) { dialog.showModal(); }
    var first = dialog.querySelector(".ff-dialog-body input:not([type=hidden]):not([disabled]), .ff-dialog-body textarea, .ff-dialog-body select");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-ff-dialog-close]");
    if (close) {
      var dialog = close.closest("dialog");
      if (dialog) { dialog.close(); }
    }
  });

  function init() {
    if (!window.htmx) { return; }
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var target = event.detail.target;
      if (target && target.closest && target.closest("[data-ff-errors]") &&
          SHOWN_ERRORS.indexOf(event.detail.xhr.status) >= 0) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    htmx.onLoad(function (root) {
      each(root, ".ff-state", applyState);
      each(root, ".ff-feedback", applyFeedback);
      each(root, "[data-fill]", fillInput);
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var target = event.detail.target;
      if (target && target.tagName === "DIALOG" && target.isConnected) { openDialog(target); }
      if (target && target.getAttribute("role") === "listbox") {
        var parts = pickerParts(target);
        parts.list.hidden = target.children.length === 0;
        parts.text.setAttribute("aria-expanded", parts.list.hidden ? "false" : "true");
        placeList(parts);
      }
      if (event.detail.elt && event.detail.elt.matches && event.detail.elt.matches("[data-ff-notify]")) {
        var box = document.getElementById(target.id) || target;
        var hidden = box.querySelector && box.querySelector("input[type=hidden]");
        if (hidden) { touch(box.closest("form"), hidden.name); changed(hidden); }
      }
    });
    /* Lists: no empty filters in the URL, and never the pickers' search text. */
    document.body.addEventListener("htmx:configRequest", function (event) {
      if (!event.detail.elt.closest || !event.detail.elt.closest("#list-filters")) { return; }
      var params = event.detail.parameters;
      Object.keys(params).forEach(function (key) {
        if (params[key] === "" || key.indexOf("_q_") === 0 || key === "listbox") { delete params[key]; }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
