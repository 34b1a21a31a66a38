// Partner page: the channels that name this partner, a feed URL for each (a feed token, shown once,
// so feed readers need no headers) and the delivered clips with their download links.
import { api, element, formatTime, listAll, showError, signedIn, t } from "./app.js";

function feedControls(channel) {
  const id = `feed-${channel.id}`;
  const box = element("input", { id, readonly: "", "data-feed": channel.id });
  const button = element("button", { type: "button", text: t("partner.copy") });
  const status = element("span", { role: "status" });
  button.addEventListener("click", async () => {
    try {
      box.value ||= (await api("/v1/partner/feed-tokens", { method: "POST", body: { channel_id: channel.id } })).feed_url;
      box.select();
      await navigator.clipboard.writeText(box.value);
      status.textContent = t("partner.copied");
    } catch (error) {
      // Copying may be refused (no clipboard permission); the URL stays selected in the box.
      if (!box.value) showError(error);
    }
  });
  return [element("label", { for: id, text: t("partner.feed") }), box, button, status];
}

function channelItem(channel) {
  return element("li", { "data-channel-id": channel.id }, element("strong", { text: `${channel.name} (${channel.profile})` }), " ", ...feedControls(channel));
}

function clipItem(clip) {
  const when = clip.delivered_at ? formatTime(new Date(clip.delivered_at)) : "";
  const link = element("a", { href: clip.download_url, download: "", "data-download": clip.id, text: t("partner.download") });
  const title = `${clip.title ?? clip.clip_id ?? clip.asset_id} · ${clip.channel} · ${when}`;
  return element("li", { "data-publication-id": clip.id, "data-clip-id": clip.clip_id ?? "" }, element("span", { text: title }), " ", link);
}

async function main() {
  await signedIn();
  const [channels, clips] = await Promise.all([listAll("/v1/channels"), listAll("/v1/partner/clips")]);
  document.getElementById("channels").replaceChildren(...channels.map(channelItem));
  document.getElementById("channels-none").hidden = channels.length > 0;
  document.getElementById("partner-clips").replaceChildren(...clips.map(clipItem));
  document.getElementById("partner-clips-none").hidden = clips.length > 0;
  document.body.dataset.ready = "true";
}

main().catch(showError);
