/* The form designer: drag and drop on the canvas (SortableJS), each drop posted as one
   change like the buttons do; a refused change (stale revision, bad value) is shown. */
(function () {
  "use strict";

  function post(root, values) {
    values.revision = root.dataset.revision;
    if (root.dataset.table) { values.table = root.dataset.table; }
    htmx.ajax("POST", root.dataset.ops, {source: root, target: "#designer", swap: "outerHTML", values: values});
  }

  function previous(item) {
    var prev = item.previousElementSibling;
    while (prev && !prev.dataset.field) { prev = prev.previousElementSibling; }
    return prev ? prev.dataset.field : "";
  }

  function setup(root) {
    var canvas = root.querySelector("[data-ff-canvas]");
    var palette = root.querySelector("[data-ff-palette]");
    if (!window.Sortable || !canvas || !palette || palette.querySelector("[disabled]")) { return; }
    Sortable.create(palette, {group: {name: "fields", pull: "clone", put: false}, sort: false,
                              draggable: "[data-type]"});
    Sortable.create(canvas, {
      group: "fields", draggable: "[data-field], [data-type]", handle: "[data-ff-handle], [data-type]",
      onAdd: function (event) {
        var label = root.querySelector("[data-ff-new-label]");
        post(root, {action: "add", type: event.item.dataset.type, after: previous(event.item),
                    label: label ? label.value : ""});
      },
      onUpdate: function (event) {
        post(root, {action: "drop", field: event.item.dataset.field, after: previous(event.item)});
      }
    });
    root.dataset.ffReady = "true";
  }

  function init() {
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      var target = event.detail.target;
      if (target && (target.id === "designer" || target.id === "process-builder") && [409, 412, 422].indexOf(event.detail.xhr.status) >= 0) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    htmx.onLoad(function (element) {
      var root = element.matches && element.matches("[data-ff-designer]") ? element
        : element.querySelector && element.querySelector("[data-ff-designer]");
      if (root) { setup(root); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
