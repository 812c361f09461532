// The printable letter's button (CSP: no inline scripts).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("imprimir");
  if (button) {
    button.hidden = false; // without JavaScript the button would do nothing: it stays hidden
    button.addEventListener("click", function () { window.print(); });
  }
});
