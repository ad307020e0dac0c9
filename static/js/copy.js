// Progressive enhancement: a Copy button next to read-only values (the page works without it).
document.querySelectorAll("[data-copy]").forEach(function (button) {
  var target = document.querySelector(button.getAttribute("data-copy"));
  if (!target || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(target.value).then(function () { button.textContent = "Copied"; });
  });
});
