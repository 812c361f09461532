// Progressive enhancement for the counter: filter categories by name or keyword as you type.
// Without JavaScript the grouped <select> works on its own (type the initial, use arrows).
(function () {
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
    if (query && first) select.value = first.value;
  });
  filter.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); select.focus(); }
  });
})();
