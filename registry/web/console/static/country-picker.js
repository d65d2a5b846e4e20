// Country pickers: the page sends a plain <select> of every country by name, which works
// without JavaScript. Where scripts run, each becomes a text field with the same names
// as suggestions (<datalist>), so a person can type "ger" and pick "Germany (DE)".
// The server reads a name, a label or a code alike (registry/domain/countries.py).
"use strict";
for (const select of document.querySelectorAll("select[data-country-picker]")) {
  const input = document.createElement("input");
  const list = document.createElement("datalist");
  list.id = `${select.id}-countries`;
  for (const name of ["id", "name", "required", "aria-invalid", "aria-describedby"]) {
    if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
  }
  input.type = "text";
  input.autocomplete = "off";
  input.setAttribute("list", list.id);
  input.placeholder = select.dataset.placeholder || "Type a country's name or code";
  for (const option of select.options) {
    if (option.value) list.append(new Option(option.textContent));
  }
  const chosen = select.selectedOptions[0];
  input.value = chosen && chosen.value ? chosen.textContent : select.dataset.typed || "";
  select.replaceWith(input, list);
}
