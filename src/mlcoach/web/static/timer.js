// The mock interview's countdown. The server keeps the real clock (it closes a round whose time is
// up); this only shows it ticking, and when it reaches zero sends what was typed, as the terminal
// does, or reloads so the server can move on.
(() => {
  const timer = document.querySelector('[data-testid="timer"]');
  if (!timer || timer.dataset.running !== "yes") return;
  const clock = timer.querySelector(".clock");
  const end = Date.now() + Number(timer.dataset.seconds || 0) * 1000;
  let sent = false;
  const show = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    clock.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    timer.classList.toggle("low", left < 60);
    if (left > 0 || sent) return;
    sent = true;
    const form = document.getElementById("answer-form");
    const answer = form && form.querySelector('[name="answer"]');
    if (form && answer && answer.value.trim()) form.submit();
    else setTimeout(() => window.location.reload(), 800);
  };
  show();
  setInterval(show, 500);
})();
