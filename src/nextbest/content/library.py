"""The content library: assets chunked, embedded and stored in a persistent Chroma collection.

Every chunk is one Chroma record with the id "<asset id>#<chunk number>" and the asset's fields
as metadata. Chunk 0 also stores the body and the content hash, which is how re-indexing finds
the assets that changed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from nextbest.content.chunking import Chunk, chunk_asset
from nextbest.content.embeddings import Embedder, embedder_from_settings
from nextbest.content.errors import ContentIndexError, EmbedderMismatchError
from nextbest.content.models import STAGES, ContentAsset, ContentHit, IndexReport, Stage
from nextbest.content.reading import normalise_type, read_assets
from nextbest.scoring.errors import ConfigError, InputError, Problem
from nextbest.settings import Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

logger = logging.getLogger(__name__)

# Version of the chunking and of the metadata layout. Indexes built with another version must
# be rebuilt, because their chunks would not match what a new index writes.
SCHEMA_VERSION = 1
# Chunks embedded per embedder call while indexing; each call then advances the progress bar.
EMBED_BATCH_CHUNKS = 64
# About 200 chunks: a long whitepaper fits, a whole book or a data dump does not.
MAX_ASSET_CHARS = 200_000
# Chunks fetched per requested hit, so that several chunks of one asset still leave enough
# distinct assets; the search fetches more when they do not.
CHUNKS_PER_HIT = 4
SNIPPET_CHARS = 240

ProgressCallback = Callable[[int, int], None]
_KEY_SEPARATORS = re.compile(r"[\s_\-]+")
_LIST_FIELDS = (
    ("topics", "topic_keys"),
    ("personas", "persona_keys"),
    ("industries", "industry_keys"),
)


def filter_key(name: str) -> str:
    """Return the form in which topics, personas and industries are compared in filters.

    Case, spaces, underscores and hyphens do not matter: "Zero Trust", "zero-trust" and
    "ZERO_TRUST" have the same key.
    """
    return _KEY_SEPARATORS.sub(" ", name).strip().casefold()


class ContentLibrary:
    """A searchable index of content assets in one Chroma collection.

    Nothing is opened or loaded until the first call that needs it.
    """

    def __init__(self, chroma_dir: Path, collection: str, embedder: Embedder) -> None:
        self.chroma_dir = Path(chroma_dir)
        self.collection_name = collection
        self.embedder = embedder
        self._client: ClientAPI | None = None

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> ContentLibrary:
        """Build the library at `settings.chroma_dir`, with the configured embedder by default."""
        return cls(
            settings.chroma_dir,
            settings.content_collection,
            embedder if embedder is not None else embedder_from_settings(settings),
        )

    def index(
        self, folder: Path, progress: ProgressCallback | None = None, rebuild: bool = False
    ) -> IndexReport:
        """Read, chunk and embed the assets of a folder, writing only what changed.

        Assets whose content hash is stored already are skipped, and the chunks of assets no
        longer in the folder are deleted. `rebuild` deletes the whole collection first, which is
        needed after a change of embedding model. `progress(done, total)` counts embedded chunks.
        The folder is read and validated before anything is written.

        Raises:
            InputError: a file in the folder is invalid; it lists every problem.
            EmbedderMismatchError: the index was built with another embedder and `rebuild` is off.
            EmbeddingError: the embedding provider failed; assets written so far stay indexed.
        """
        assets = read_assets(Path(folder))
        oversized = [
            Problem(
                file=asset.source or asset.id,
                message=f"asset {asset.id!r} is too long to index",
                value=f"{len(asset.body):,} characters",
                expected=f"at most {MAX_ASSET_CHARS:,}; split it into several assets",
            )
            for asset in assets
            if len(asset.body) > MAX_ASSET_CHARS
        ]
        if oversized:
            raise InputError(oversized)
        collection = self._collection_for_writing(rebuild)
        stored = self._stored_assets(collection)
        report = IndexReport(embedder=self.embedder.name, rebuilt=rebuild)

        pending: list[tuple[ContentAsset, list[Chunk]]] = []
        for asset in assets:
            previous = stored.get(asset.id)
            if previous is not None and previous[0] == asset.content_hash():
                report.unchanged.append(asset.id)
                continue
            (report.updated if previous is not None else report.added).append(asset.id)
            pending.append((asset, chunk_asset(asset)))
        self._write(collection, pending, stored, progress, report)

        # Indexing one file adds or updates that asset; only a folder is the whole library.
        if not Path(folder).is_dir():
            logger.info("indexed the single file %s; other assets are kept", folder)
            return report
        report.removed = sorted(set(stored) - {asset.id for asset in assets})
        if report.removed:
            collection.delete(where={"asset_id": {"$in": report.removed}})
            report.chunks_deleted += sum(stored[asset_id][1] for asset_id in report.removed)
        logger.info(
            "indexed %s: %d added, %d updated, %d unchanged, %d removed, %d chunks written",
            folder,
            len(report.added),
            len(report.updated),
            len(report.unchanged),
            len(report.removed),
            report.chunks_written,
        )
        return report

    def search(
        self,
        query: str,
        persona: str | None = None,
        stage: str | None = None,
        topic: str | None = None,
        type: str | None = None,
        limit: int = 5,
    ) -> list[ContentHit]:
        """Find the assets closest in meaning to the query, best first, one hit per asset.

        Filters keep only assets with that persona, stage, topic or type; persona and topic
        ignore case, spaces, underscores and hyphens. A hit's score is the cosine similarity of
        the query and the asset's best chunk.

        Raises:
            ValueError: the query is empty, limit is below 1 or stage is not a funnel stage.
            ContentIndexError: the index is missing, empty or built with another embedder.
        """
        if not query.strip():
            raise ValueError("the search query is empty")
        if limit < 1:
            raise ValueError(f"limit must be 1 or more, got {limit}")
        where = _where(persona=persona, stage=stage, topic=topic, content_type=type)
        collection = self._collection_for_reading()
        self._check_compatible(collection)
        total = collection.count()
        vector = self.embedder.embed([query])[0]

        fetch = min(total, limit * CHUNKS_PER_HIT)
        while True:
            result = collection.query(
                query_embeddings=[vector],
                n_results=fetch,
                where=cast(Any, where),
                include=cast(Any, ["metadatas", "documents", "distances"]),
            )
            hits = _best_chunk_per_asset(result)
            if len(hits) >= limit or len(result["ids"][0]) < fetch or fetch >= total:
                return hits[:limit]
            fetch = min(total, fetch * 2)

    def assets(self) -> list[ContentAsset]:
        """Return every indexed asset, sorted by id.

        Raises:
            ContentIndexError: the index is missing or empty.
        """
        collection = self._collection_for_reading()
        result = collection.get(where={"chunk": 0}, include=cast(Any, ["metadatas"]))
        metadatas = result["metadatas"] or []
        return sorted((_asset_from(metadata) for metadata in metadatas), key=lambda a: a.id)

    def get(self, asset_id: str) -> ContentAsset | None:
        """Return the indexed asset with this id, or None if there is none.

        Raises:
            ContentIndexError: the index is missing or empty.
        """
        collection = self._collection_for_reading()
        result = collection.get(ids=[_chunk_id(asset_id, 0)], include=cast(Any, ["metadatas"]))
        metadatas = result["metadatas"] or []
        return _asset_from(metadatas[0]) if metadatas else None

    def has(self, asset_id: str) -> bool:
        """Tell whether an asset with this id is indexed.

        Raises:
            ContentIndexError: the index is missing or empty.
        """
        collection = self._collection_for_reading()
        return bool(collection.get(ids=[_chunk_id(asset_id, 0)], include=[])["ids"])

    @property
    def count(self) -> int:
        """Number of indexed assets; 0 when the index is missing or empty."""
        try:
            collection = self._collection(create=False)
        except ContentIndexError:
            return 0
        return len(collection.get(where={"chunk": 0}, include=[])["ids"])

    def _client_api(self) -> ClientAPI:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings
            from chromadb.errors import ChromaError

            if self.chroma_dir.exists() and not self.chroma_dir.is_dir():
                raise ContentIndexError(
                    f"the content index path {self.chroma_dir} is a file, not a folder; "
                    "choose a folder with --chroma or NEXTBEST_CHROMA_PATH"
                )
            try:
                self._client = chromadb.PersistentClient(
                    path=str(self.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
                )
            except (ChromaError, OSError) as error:
                raise ContentIndexError(self._unreadable_message(error)) from None
        return self._client

    def _unreadable_message(self, error: Exception) -> str:
        return (
            f"cannot open the content index at {self.chroma_dir}: {error}; delete that folder "
            "and run `nextbest content index DIR` again"
        )

    def _collection(self, create: bool) -> Collection:
        from chromadb.errors import InternalError, InvalidArgumentError, NotFoundError

        if not create and not self.chroma_dir.is_dir():
            if self.chroma_dir.exists():
                self._client_api()  # raises: the path is a file
            raise ContentIndexError(self._missing_message())
        client = self._client_api()
        try:
            return client.get_collection(self.collection_name, embedding_function=None)
        except NotFoundError:
            if not create:
                raise ContentIndexError(self._missing_message()) from None
        except InternalError as error:
            raise ContentIndexError(self._unreadable_message(error)) from None
        except InvalidArgumentError as error:
            raise ConfigError(
                f"invalid content collection name {self.collection_name!r}: {error}"
            ) from None
        logger.info("creating collection %r in %s", self.collection_name, self.chroma_dir)
        return client.create_collection(
            self.collection_name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={
                "embedder": self.embedder.name,
                "dimensions": self.embedder.dimensions,
                "schema": SCHEMA_VERSION,
            },
            embedding_function=None,
        )

    def _collection_for_writing(self, rebuild: bool) -> Collection:
        if rebuild and self.chroma_dir.is_dir():
            from chromadb.errors import NotFoundError

            try:
                self._client_api().delete_collection(self.collection_name)
                logger.info("deleted collection %r for a rebuild", self.collection_name)
            except NotFoundError:
                pass
        collection = self._collection(create=True)
        self._check_compatible(collection)
        return collection

    def _collection_for_reading(self) -> Collection:
        collection = self._collection(create=False)
        if collection.count() == 0:
            raise ContentIndexError(
                f"the content index at {self.chroma_dir} (collection {self.collection_name!r}) "
                "is empty; run `nextbest content index DIR` on the folder of your content files"
            )
        return collection

    def _missing_message(self) -> str:
        return (
            f"no content index at {self.chroma_dir} (collection {self.collection_name!r}); "
            "run `nextbest content index DIR` on the folder of your content files"
        )

    def _check_compatible(self, collection: Collection) -> None:
        metadata = collection.metadata or {}
        rebuild = "re-index with `nextbest content index DIR --rebuild`"
        if metadata.get("schema") != SCHEMA_VERSION:
            raise ContentIndexError(
                f"the content index at {self.chroma_dir} has layout version "
                f"{metadata.get('schema')}, but this version of nextbest reads version "
                f"{SCHEMA_VERSION}; {rebuild}"
            )
        built_with = (metadata.get("embedder"), metadata.get("dimensions"))
        configured = (self.embedder.name, self.embedder.dimensions)
        if built_with != configured:
            raise EmbedderMismatchError(
                f"the content index at {self.chroma_dir} was built with the embedding model "
                f"{built_with[0]!r} ({built_with[1]} dimensions), but the configured model is "
                f"{configured[0]!r} ({configured[1]} dimensions); {rebuild}, "
                "or configure the model the index was built with"
            )

    @staticmethod
    def _stored_assets(collection: Collection) -> dict[str, tuple[str, int]]:
        """Return the content hash and chunk count of every indexed asset, by asset id."""
        result = collection.get(where={"chunk": 0}, include=cast(Any, ["metadatas"]))
        stored = {}
        for metadata in result["metadatas"] or []:
            stored[str(metadata["asset_id"])] = (
                str(metadata["content_hash"]),
                cast(int, metadata["chunk_count"]),
            )
        return stored

    def _write(
        self,
        collection: Collection,
        pending: list[tuple[ContentAsset, list[Chunk]]],
        stored: Mapping[str, tuple[str, int]],
        progress: ProgressCallback | None,
        report: IndexReport,
    ) -> None:
        """Embed and upsert the chunks of changed assets, then drop chunks they no longer have.

        Each asset's chunks go to Chroma in one upsert, so an interrupted run leaves every asset
        either fully old or fully new.
        """
        total = sum(len(chunks) for _, chunks in pending)
        done = 0
        if progress is not None and total:
            progress(0, total)
        for batch in _batches(pending, EMBED_BATCH_CHUNKS):
            texts = [chunk.embedded_text for _, chunks in batch for chunk in chunks]
            vectors = iter(self.embedder.embed(texts))
            for asset, chunks in batch:
                ids = [_chunk_id(asset.id, number) for number in range(len(chunks))]
                embeddings = [next(vectors) for _ in chunks]
                metadatas = _chunk_metadatas(asset, len(chunks))
                step = self._client_api().get_max_batch_size()
                for start in range(0, len(chunks), step):
                    collection.upsert(
                        ids=ids[start : start + step],
                        embeddings=cast(Any, embeddings[start : start + step]),
                        documents=[chunk.text for chunk in chunks[start : start + step]],
                        metadatas=cast(Any, metadatas[start : start + step]),
                    )
                report.chunks_written += len(chunks)
                previous_count = stored[asset.id][1] if asset.id in stored else 0
                if previous_count > len(chunks):
                    stale = range(len(chunks), previous_count)
                    collection.delete(ids=[_chunk_id(asset.id, number) for number in stale])
                    report.chunks_deleted += previous_count - len(chunks)
            done += len(texts)
            if progress is not None:
                progress(done, total)


def _chunk_id(asset_id: str, number: int) -> str:
    return f"{asset_id}#{number}"


def _chunk_metadatas(asset: ContentAsset, count: int) -> list[dict[str, object]]:
    common: dict[str, object] = {
        "asset_id": asset.id,
        "chunk_count": count,
        "content_hash": asset.content_hash(),
        "title": asset.title,
        "url": asset.url,
        "type": asset.type,
        "stage": asset.stage,
        "source": asset.source,
    }
    # Chroma rejects empty lists as metadata values, so an empty field is left out.
    for field, key_field in _LIST_FIELDS:
        names: tuple[str, ...] = getattr(asset, field)
        if names:
            common[field] = list(names)
            common[key_field] = sorted({filter_key(name) for name in names})
    metadatas = [common | {"chunk": number} for number in range(count)]
    metadatas[0]["body"] = asset.body
    return metadatas


def _batches(
    pending: Sequence[tuple[ContentAsset, list[Chunk]]], size: int
) -> list[list[tuple[ContentAsset, list[Chunk]]]]:
    """Group whole assets into batches of about `size` chunks; a larger asset is one batch."""
    batches: list[list[tuple[ContentAsset, list[Chunk]]]] = []
    current: list[tuple[ContentAsset, list[Chunk]]] = []
    current_chunks = 0
    for item in pending:
        if current and current_chunks + len(item[1]) > size:
            batches.append(current)
            current, current_chunks = [], 0
        current.append(item)
        current_chunks += len(item[1])
    if current:
        batches.append(current)
    return batches


def _where(
    persona: str | None, stage: str | None, topic: str | None, content_type: str | None
) -> dict[str, object] | None:
    conditions: list[dict[str, object]] = []
    if persona is not None:
        conditions.append({"persona_keys": {"$contains": filter_key(persona)}})
    if topic is not None:
        conditions.append({"topic_keys": {"$contains": filter_key(topic)}})
    if stage is not None:
        stage_key = stage.strip().lower()
        if stage_key not in STAGES:
            raise ValueError(f"stage must be awareness, consideration or decision, got {stage!r}")
        conditions.append({"stage": stage_key})
    if content_type is not None:
        conditions.append({"type": normalise_type(content_type)})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _best_chunk_per_asset(result: Mapping[str, Any]) -> list[ContentHit]:
    """Keep the closest chunk of each asset; Chroma returns chunks closest first."""
    hits: dict[str, ContentHit] = {}
    rows = zip(result["metadatas"][0], result["documents"][0], result["distances"][0], strict=True)
    for metadata, document, distance in rows:
        asset_id = str(metadata["asset_id"])
        if asset_id in hits:
            continue
        # Chroma's cosine distance is 1 - cosine similarity.
        similarity = min(1.0, max(0.0, 1.0 - float(distance)))
        hits[asset_id] = ContentHit(
            id=asset_id,
            title=str(metadata["title"]),
            url=str(metadata["url"]),
            type=str(metadata["type"]),
            stage=cast(Stage, metadata["stage"]),
            topics=tuple(metadata.get("topics") or ()),
            personas=tuple(metadata.get("personas") or ()),
            industries=tuple(metadata.get("industries") or ()),
            score=round(similarity, 4),
            snippet=_snippet(document or ""),
        )
    return list(hits.values())


def _snippet(text: str) -> str:
    """Return the chunk's text on one line, cut at a word before SNIPPET_CHARS characters."""
    lines = (line.lstrip("#>-*| ").strip() for line in text.splitlines())
    flat = " ".join(" ".join(lines).replace("**", "").split())
    if len(flat) <= SNIPPET_CHARS:
        return flat
    cut = flat.rfind(" ", 0, SNIPPET_CHARS)
    return flat[: cut if cut > 0 else SNIPPET_CHARS].rstrip(",;:.") + "…"


def _asset_from(metadata: Mapping[str, Any]) -> ContentAsset:
    return ContentAsset(
        id=str(metadata["asset_id"]),
        title=str(metadata["title"]),
        url=str(metadata["url"]),
        type=str(metadata["type"]),
        stage=cast(Stage, metadata["stage"]),
        topics=tuple(metadata.get("topics") or ()),
        personas=tuple(metadata.get("personas") or ()),
        industries=tuple(metadata.get("industries") or ()),
        body=str(metadata.get("body", "")),
        source=str(metadata.get("source", "")),
    )
