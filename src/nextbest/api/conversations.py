"""Chat conversations kept in memory, each owned by the API key that started it."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from nextbest.agent.chat import ChatSession

MAX_CONVERSATIONS = 500
# One key cannot push out other keys' conversations: past this, its own oldest one ends.
MAX_PER_KEY = 50
IDLE_SECONDS = 4 * 60 * 60


@dataclass
class Conversation:
    conversation_id: str
    owner: str
    session: ChatSession
    mode: str
    run_id: str = ""  # the scoring run the session reads
    last_used: float = field(default_factory=time.monotonic)
    # One turn at a time: a session's memory is not safe to share between threads.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Conversations:
    """The newest conversations, least recently used dropped first, idle ones expired."""

    def __init__(
        self, limit: int = MAX_CONVERSATIONS, idle: float = IDLE_SECONDS, per_key: int = MAX_PER_KEY
    ) -> None:
        self.limit = limit
        self.per_key = per_key
        self.idle = idle
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        # Requests start and look up conversations from worker threads.
        self._lock = threading.Lock()

    def start(self, owner: str, session: ChatSession, mode: str, run_id: str = "") -> Conversation:
        conversation = Conversation(secrets.token_urlsafe(12), owner, session, mode, run_id)
        with self._lock:
            self._expire()
            owned = [key for key, item in self._items.items() if item.owner == owner]
            for conversation_id in owned[: max(0, len(owned) - self.per_key + 1)]:
                del self._items[conversation_id]
            self._items[conversation.conversation_id] = conversation
            while len(self._items) > self.limit:
                self._drop_from_busiest_key()
        return conversation

    def _drop_from_busiest_key(self) -> None:
        """End the least recently used conversation of the key that has the most."""
        counts = Counter(item.owner for item in self._items.values())
        busiest = counts.most_common(1)[0][0]
        oldest = next(key for key, item in self._items.items() if item.owner == busiest)
        del self._items[oldest]

    def get(self, conversation_id: str, owner: str) -> Conversation | None:
        """Return the caller's conversation; another key's conversation counts as unknown."""
        with self._lock:
            self._expire()
            conversation = self._items.get(conversation_id)
            if conversation is None or conversation.owner != owner:
                return None
            conversation.last_used = time.monotonic()
            self._items.move_to_end(conversation_id)
            return conversation

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.idle
        for conversation_id in [
            key for key, item in self._items.items() if item.last_used < cutoff
        ]:
            del self._items[conversation_id]

    def __len__(self) -> int:
        return len(self._items)
