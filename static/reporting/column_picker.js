/* The new-report form's column picker: filter, select all / none / default, drag and drop, ↑/↓.
 * Loaded on that page only, after SortableJS (static/vendor/sortable). Without it the picker is
 * a plain list of checkboxes, submitted in list order: the order of the list is the file's. */
(function () {
  "use strict";

  // The sentences this script writes, in the user's language: the page's JSON data (the
  // column_picker_words tag), with Python-style %(name)s placeholders filled in here.
  function say(key, values) {
    var data = document.getElementById("column-picker-words");
    var words = data ? JSON.parse(data.textContent) : {};
    return (words[key] || key).replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  function pickerOf(element) {
    return element.closest("[data-column-picker]");
  }

  function listOf(picker) {
    return picker.querySelector(".column-list");
  }

  function items(picker) {
    return Array.prototype.slice.call(listOf(picker).children);
  }

  function boxOf(item) {
    return item.querySelector("input[name=columns]");
  }

  function announce(picker, text) {
    var status = picker.querySelector("[data-column-status]");
    if (status) status.textContent = text;
  }

  function announceMove(picker, item) {
    var all = items(picker);
    announce(picker, say("moved", { name: boxOf(item).value, position: all.indexOf(item) + 1, count: all.length }));
  }

  // Filter: hide the columns whose name does not contain the text (any case). A hidden item stays in
  // the form, so a ticked column that the filter hides is still submitted. Called after every change:
  // each item is numbered with its place in the whole list, the file's, even while others are hidden.
  function applyFilter(picker) {
    var input = picker.querySelector("[data-column-filter]");
    var text = input ? input.value.trim().toLowerCase() : "";
    var all = items(picker);
    var shown = 0;
    all.forEach(function (item, index) {
      item.hidden = text !== "" && boxOf(item).value.toLowerCase().indexOf(text) === -1;
      item.value = index + 1;
      if (!item.hidden) shown += 1;
    });
    var count = picker.querySelector("[data-column-count]");
    if (count) count.textContent = say("shown", { shown: shown, total: all.length });
  }

  // ↑/↓ move past the columns the filter hides: the user sees the item move one step.
  function move(button) {
    var item = button.closest("li");
    var step = button.dataset.move === "up" ? "previousElementSibling" : "nextElementSibling";
    var other = item[step];
    while (other && other.hidden) other = other[step];
    if (!other) return;
    item.parentElement.insertBefore(item, step === "previousElementSibling" ? other : other.nextElementSibling);
    button.focus(); // moving the item in the DOM drops the focus
    applyFilter(pickerOf(button));
    announceMove(pickerOf(button), item);
  }

  // "Select all/none shown" tick or untick the columns the filter shows (all of them when it is empty).
  function tickShown(picker, checked) {
    var shown = items(picker).filter(function (item) {
      return !item.hidden;
    });
    shown.forEach(function (item) {
      boxOf(item).checked = checked;
    });
    var key = (checked ? "ticked" : "unticked") + (shown.length === 1 ? "_one" : "_other");
    announce(picker, say(key, { count: shown.length }));
  }

  // "Default columns": the type's default columns (data-default, from the server) ticked, in their order,
  // then the others as the type declares them, then added metadata columns; the filter is cleared.
  function useDefaults(picker) {
    function rank(item) {
      if (item.dataset.default !== undefined) return [0, Number(item.dataset.default)];
      if (item.dataset.declared !== undefined) return [1, Number(item.dataset.declared)];
      return [2, 0];
    }
    var list = listOf(picker);
    var sorted = items(picker).sort(function (a, b) {
      var x = rank(a);
      var y = rank(b);
      return x[0] - y[0] || x[1] - y[1];
    });
    sorted.forEach(function (item) {
      boxOf(item).checked = item.dataset.default !== undefined;
      list.appendChild(item);
    });
    var filter = picker.querySelector("[data-column-filter]");
    if (filter) filter.value = "";
    applyFilter(picker);
    var ticked = sorted.filter(function (item) {
      return item.dataset.default !== undefined;
    }).length;
    announce(picker, say("defaults", { count: ticked }));
  }

  function moveButton(direction, name) {
    var b = document.createElement("button");
    b.type = "button";
    b.dataset.move = direction;
    b.setAttribute("aria-label", say(direction, { name: name }));
    b.textContent = direction === "up" ? "\u2191" : "\u2193";
    return b;
  }

  // Add a `payment_metadata[key]`-style column, ticked, after the last ticked column.
  function addMetadata(picker) {
    var key = picker.querySelector("#metadata-key");
    var text = key.value.trim();
    if (!text || /[\[\]]/.test(text)) {
      announce(picker, say("bad_key", {}));
      return;
    }
    var name = picker.querySelector("#metadata-prefix").value + "[" + text + "]";
    var list = listOf(picker);
    var existing = items(picker).find(function (item) {
      return boxOf(item).value === name;
    });
    if (existing) {
      boxOf(existing).checked = true;
    } else {
      var item = document.createElement("li");
      var row = document.createElement("span");
      row.className = "column-row";
      var handle = document.createElement("span");
      handle.className = "drag-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.title = say("drag", {});
      handle.textContent = "\u283f";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "columns";
      box.value = name;
      box.checked = true;
      box.id = "id_columns_added_" + list.children.length;
      var label = document.createElement("label");
      label.htmlFor = box.id;
      var code = document.createElement("code");
      code.textContent = name;
      label.appendChild(code);
      var moves = document.createElement("span");
      moves.className = "move js-only";
      moves.append(moveButton("up", name), " ", moveButton("down", name));
      row.append(handle, " ", box, " ", label, " ", moves);
      item.appendChild(row);
      var ticked = list.querySelectorAll("input[name=columns]:checked");
      var after = ticked.length ? ticked[ticked.length - 1].closest("li") : null;
      list.insertBefore(item, after ? after.nextElementSibling : list.firstElementChild);
    }
    key.value = "";
    applyFilter(picker);
    announce(picker, say("added", { name: name }));
  }

  // Drag and drop by the handle (SortableJS); the keyboard has the ↑/↓ buttons, which stay.
  function enableDragging(root) {
    if (typeof Sortable === "undefined") return; // the buttons still work
    root.querySelectorAll("[data-column-picker] .column-list").forEach(function (list) {
      if (Sortable.get(list)) return;
      Sortable.create(list, {
        handle: ".drag-handle",
        draggable: "li",
        animation: 120,
        onEnd: function (event) {
          if (event.oldIndex === event.newIndex) return;
          applyFilter(pickerOf(list));
          announceMove(pickerOf(list), event.item);
        },
      });
      list.classList.add("sortable"); // shows the handles (app.css)
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var picker = target ? pickerOf(target) : null;
    if (!picker) return;
    var moveButton = target.closest("[data-move]");
    if (moveButton) return move(moveButton);
    var bulk = target.closest("[data-columns]");
    if (bulk && bulk.dataset.columns === "default") return useDefaults(picker);
    if (bulk) return tickShown(picker, bulk.dataset.columns === "all");
    if (target.closest("[data-add-metadata]")) return addMetadata(picker);
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target instanceof Element && target.matches("[data-column-filter]")) applyFilter(pickerOf(target));
  });

  // Enter in the filter or the metadata key box must not submit the form; in the key box it adds the column.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !(target instanceof Element)) return;
    if (target.matches("[data-column-filter]")) {
      event.preventDefault();
    } else if (target.id === "metadata-key") {
      event.preventDefault();
      addMetadata(pickerOf(target));
    }
  });

  // The form is swapped in by htmx when the report type changes (and after a refused submit).
  document.addEventListener("DOMContentLoaded", function () {
    enableDragging(document);
  });
  document.addEventListener("htmx:load", function (event) {
    enableDragging(event.target);
  });
})();
