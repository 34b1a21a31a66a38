// Booking: a week of one studio, hour by hour, from GET /v1/studios/{id}/availability; the form
// names a clash (buffer included) before it is sent, and the server's 409 has the last word.
import { api, element, formatTime, listAll, showError, signedIn, t } from "./app.js";

const HOUR_MS = 3600 * 1000;
const studioSelect = document.getElementById("studio");
const calendar = document.getElementById("calendar");
const form = document.getElementById("booking-form");
const dateInput = document.getElementById("book-date");
const startInput = document.getElementById("book-start");
const endInput = document.getElementById("book-end");
const conflictBox = document.getElementById("conflict");
const submit = document.getElementById("book-submit");

let studios = [];
let weekOffset = 0;
let booked = []; // [{start: Date, end: Date}] of the week shown

const pad = (n) => String(n).padStart(2, "0");
const isoDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

function mondayOf(day) {
  const monday = new Date(day);
  monday.setHours(0, 0, 0, 0);
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

// The week of a date typed into the form is the one shown, so its clashes can be named.
async function showWeekOf(isoDay) {
  const offset = Math.round((mondayOf(new Date(`${isoDay}T12:00`)) - mondayOf(new Date())) / (7 * 24 * HOUR_MS));
  if (Number.isNaN(offset) || offset === weekOffset) return checkConflict();
  weekOffset = offset;
  return drawCalendar();
}

function weekDays() {
  const monday = mondayOf(new Date());
  monday.setDate(monday.getDate() + 7 * weekOffset);
  return Array.from({ length: 7 }, (_, i) => new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + i));
}

function currentStudio() {
  return studios.find((s) => s.id === studioSelect.value);
}

const overlaps = (a, b) => a.start < b.end && b.start < a.end;

async function loadWeek(days) {
  const studio = currentStudio();
  const answers = await Promise.all(
    days.map((d) => api(`/v1/studios/${studio.id}/availability?date=${isoDate(d)}`)),
  );
  const slot = (s) => ({ start: new Date(s.starts_at), end: new Date(s.ends_at) });
  booked = answers.flatMap((a) => a.booked.map(slot));
  return answers.map((a) => (a.open ? slot(a.open) : null));
}

function cellFor(day, hour, open) {
  const hourSlot = { start: new Date(day.getTime() + hour * HOUR_MS), end: new Date(day.getTime() + (hour + 1) * HOUR_MS) };
  const label = `${formatTime(hourSlot.start)}`;
  const past = hourSlot.end <= new Date();
  if (past || !open || !overlaps(hourSlot, open)) return element("td", { class: "closed", title: t("book.closed") });
  if (booked.some((b) => overlaps(b, hourSlot))) {
    return element("td", { class: "booked", title: t("book.booked") }, element("span", { text: t("book.booked") }));
  }
  const button = element("button", { type: "button", "aria-label": label, text: `${pad(hour)}` });
  button.addEventListener("click", () => {
    dateInput.value = isoDate(day);
    startInput.value = `${pad(hour)}:00`;
    endInput.value = hour === 23 ? "23:59" : `${pad(hour + 1)}:00`;
    checkConflict();
    startInput.focus();
  });
  return element("td", {}, button);
}

// The grid and the form use this browser's clock; say so when the studio keeps another zone.
function showZoneNote() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const studioZone = currentStudio().timezone;
  const note = document.getElementById("zone-note");
  note.hidden = zone === studioZone;
  note.textContent = t("book.zone_note", { zone, studio_zone: studioZone });
}

async function drawCalendar() {
  showZoneNote();
  const days = weekDays();
  const opens = await loadWeek(days);
  const locale = document.documentElement.lang;
  document.getElementById("week-label").textContent = `${days[0].toLocaleDateString(locale)} – ${days[6].toLocaleDateString(locale)}`;
  const head = element("tr", {}, element("th", { scope: "col" }));
  days.forEach((d) => head.append(element("th", { scope: "col", text: d.toLocaleDateString(locale, { weekday: "short", day: "numeric" }) })));
  calendar.tHead.replaceChildren(head);
  const rows = Array.from({ length: 24 }, (_, hour) => {
    const row = element("tr", {}, element("th", { scope: "row", text: `${pad(hour)}:00` }));
    days.forEach((d, i) => row.append(cellFor(d, hour, opens[i])));
    return row;
  });
  calendar.tBodies[0].replaceChildren(...rows);
  checkConflict();
}

function chosenSlot() {
  if (!dateInput.value || !startInput.value || !endInput.value) return null;
  return { start: new Date(`${dateInput.value}T${startInput.value}`), end: new Date(`${dateInput.value}T${endInput.value}`) };
}

function checkConflict() {
  const chosen = chosenSlot();
  const buffer = (currentStudio()?.buffer_minutes ?? 0) * 60 * 1000;
  const clash = chosen && booked.find((b) => overlaps({ start: new Date(b.start - buffer), end: new Date(b.end.getTime() + buffer) }, chosen));
  conflictBox.hidden = !clash;
  conflictBox.textContent = clash ? t("book.conflict", { start: formatTime(clash.start), end: formatTime(clash.end) }) : "";
  submit.disabled = Boolean(clash);
}

async function drawMyBookings() {
  const mine = (await listAll("/v1/bookings")).filter((b) => b.state === "confirmed");
  const items = mine.map((b) =>
    element("li", { "data-booking-id": b.id, text: `${formatTime(new Date(b.starts_at))} – ${formatTime(new Date(b.ends_at))}` }),
  );
  document.getElementById("my-bookings").replaceChildren(...items);
}

async function book(event) {
  event.preventDefault();
  const chosen = chosenSlot();
  const status = document.getElementById("booked");
  try {
    const booking = await api("/v1/bookings", {
      method: "POST",
      body: { studio_id: currentStudio().id, starts_at: chosen.start.toISOString(), ends_at: chosen.end.toISOString() },
    });
    status.textContent = t("book.done", { start: formatTime(chosen.start), end: formatTime(chosen.end), key: booking.stream_key });
    await Promise.all([drawCalendar(), drawMyBookings()]);
  } catch (error) {
    if (error.status === 409) {
      conflictBox.textContent = error.message;
      conflictBox.hidden = false;
    } else showError(error);
  }
}

async function start() {
  await signedIn();
  studios = await listAll("/v1/studios");
  document.getElementById("no-studios").hidden = studios.length > 0;
  document.getElementById("booking").hidden = studios.length === 0;
  studioSelect.replaceChildren(...studios.map((s) => element("option", { value: s.id, text: s.name })));
  if (!studios.length) {
    document.body.dataset.ready = "true";
    return;
  }
  dateInput.value = isoDate(new Date());
  for (const input of [startInput, endInput]) input.addEventListener("input", checkConflict);
  dateInput.addEventListener("input", () => showWeekOf(dateInput.value).catch(showError));
  studioSelect.addEventListener("change", drawCalendar);
  document.getElementById("week-prev").addEventListener("click", () => { weekOffset -= 1; drawCalendar(); });
  document.getElementById("week-next").addEventListener("click", () => { weekOffset += 1; drawCalendar(); });
  form.addEventListener("submit", book);
  await Promise.all([drawCalendar(), drawMyBookings()]);
  document.body.dataset.ready = "true";
}

start().catch(showError);
