// The printable letter's button (CSP: no inline scripts).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("imprimir");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
});
