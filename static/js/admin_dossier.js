// The dossier's Print button: shown only where script runs (the page prints without it too).
document.querySelectorAll(".dossier-print").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
