/* The condition builder's text mode: completes the field name being typed.  The
   input's datalist offers the text so far with each matching name put in place of
   the word under the cursor (a datalist completes whole values). */
(function () {
  "use strict";

  var WORD = /[A-Za-z_][A-Za-z0-9_]*$/;

  function complete(input) {
    var list = input.list;
    var names = (input.dataset.names || "").split(" ").filter(Boolean);
    if (!list) { return; }
    var end = input.selectionStart === null ? input.value.length : input.selectionStart;
    var before = input.value.slice(0, end);
    var after = input.value.slice(end);
    var match = WORD.exec(before);
    var word = match ? match[0] : "";
    var head = before.slice(0, before.length - word.length);
    var options = names.filter(function (name) { return name.indexOf(word) === 0 && name !== word; });
    list.replaceChildren.apply(list, options.map(function (name) {
      var option = document.createElement("option");
      option.value = head + name + after;
      option.textContent = name;
      return option;
    }));
  }

  function init() {
    document.body.addEventListener("input", function (event) {
      var input = event.target;
      if (input.matches && input.matches("[data-ff-expression]")) { complete(input); }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
