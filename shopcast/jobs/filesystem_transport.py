"""kombu's filesystem transport, with message files that appear only once they are whole.

kombu writes a message by creating `<time>_<uuid>.<queue>.msg` and then filling it, while a polling
worker moves and reads every file that matches its queue: one that polls in between reads an empty
file, and its `json.loads` error stops the worker (seen under load: "Unrecoverable error:
JSONDecodeError") while the message is lost. Here a message is written under a name no queue
matches and renamed into place, which is atomic.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "filesystem"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # "<queue>.msg.part": no worker takes it
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def install() -> None:
    """Make `filesystem://` broker URLs use this transport in this process."""
    TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
