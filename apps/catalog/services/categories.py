"""The category tree: materialized paths of slugs (`/clothing/men/shirts/`) and levels.

A subtree is `path LIKE '<path>%'`, so moving or renaming a category re-paths its whole
subtree in one UPDATE. Slugs are unique across the tree, which makes every path unique too.

The public tree is cached as rendered JSON (shop.read_cache, with its in-process L1), filled
under a guard and dropped on commit of every category create, update and delete, like the
product details.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils.text import slugify

from apps.catalog.exceptions import CategoryInUse, CategoryNotFound, InvalidCategory
from apps.catalog.models import Category, Product
from apps.catalog.services.detail import product_cache_invalidate_on_commit
from apps.catalog.services.products import UNSET, products_updated_publish
from shop.read_cache import cache_fill, cache_get, guard_read, guards_bump, render_json

# Bump the version when the tree's shape changes, so old entries are never served.
_TREE = "catalog:category-tree:v1"
_TREE_GUARD = "catalog:category-tree-guard"


def category_tree_body() -> bytes:
    """`category_tree()` as rendered JSON, from the cache when it is there (then no query)."""
    body = cache_get(_TREE, l1=True)
    if body is None:
        seen = guard_read(_TREE_GUARD)
        body = render_json(category_tree())
        cache_fill(
            _TREE, body, guard=_TREE_GUARD, seen=seen, timeout=settings.PRODUCT_CACHE_SECONDS
        )
    return body


def category_tree_cached_body() -> bytes | None:
    """The rendered tree if it is cached, else None (the anonymous fast path: no database)."""
    return cache_get(_TREE, l1=True)


_paths_of_tree: tuple[bytes, dict[UUID, str]] = (b"", {})


def category_paths_get_cached(category_ids: Iterable[UUID | str]) -> dict[UUID, str]:
    """`category_paths_get` from the cached tree (no query when it is cached); the tree is
    parsed once per version of it in each process."""
    global _paths_of_tree
    body = category_tree_body()
    if _paths_of_tree[0] != body:
        paths: dict[UUID, str] = {}
        stack = json.loads(body)
        while stack:
            node = stack.pop()
            paths[UUID(node["id"])] = node["path"]
            stack.extend(node["children"])
        _paths_of_tree = (body, paths)
    paths = _paths_of_tree[1]
    ids = {UUID(str(category_id)) for category_id in category_ids}
    return {category_id: paths[category_id] for category_id in ids if category_id in paths}


def category_tree_invalidate() -> None:
    """Drop the cached tree now (prefer the on-commit variant inside a transaction)."""
    guards_bump([_TREE_GUARD], drop=[_TREE])


def category_tree_invalidate_on_commit() -> None:
    """Drop the cached tree once the current transaction commits (now if there is none).

    Connected to every save and delete of a Category (apps/catalog/receivers.py): the services,
    the admin's delete and the demo seed alike; a move re-paths the subtree in the same
    transaction as its save. After commit, so a concurrent reader cannot re-cache the old tree
    between our drop and our commit (the guard stops one that read it before); best effort,
    it never fails the write.
    """
    transaction.on_commit(category_tree_invalidate, robust=True)


def category_tree() -> list[dict[str, Any]]:
    """The whole tree `[{id, name, slug, path, level, children: [...]}]`, from one query.

    Ordered by path, so a parent always comes before its children and siblings by slug.
    """
    nodes: dict[UUID, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    rows = Category.objects.order_by("path").values(
        "id", "name", "slug", "path", "level", "parent_id"
    )
    for row in rows:
        node = {
            "id": str(row["id"]),
            "name": row["name"],
            "slug": row["slug"],
            "path": row["path"],
            "level": row["level"],
            "children": [],
        }
        nodes[row["id"]] = node
        parent = nodes.get(row["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots


def category_get(*, category_id: UUID) -> Category:
    category = Category.objects.filter(id=category_id).first()
    if category is None:
        raise CategoryNotFound()
    return category


def _slug_or_error(errors: dict[str, list[str]], *, slug: str | None, name: str) -> str:
    value = slugify(slug or name)[:200]
    if not value:
        errors["slug"] = ["A slug needs at least one letter or digit."]
    return value


def _parent_or_error(errors: dict[str, list[str]], parent_id: UUID | None) -> Category | None:
    if parent_id is None:
        return None
    parent = Category.objects.select_for_update().filter(id=parent_id).first()
    if parent is None:
        errors["parent_id"] = [f"Unknown category {parent_id}."]
    return parent


PATH_MAX = Category._meta.get_field("path").max_length


def _path_too_long(errors: dict[str, list[str]], length: int, field: str) -> None:
    if length > PATH_MAX:
        errors.setdefault(field, []).append(
            f"The category path would be {length} characters; at most {PATH_MAX} "
            "(a shorter slug or a shallower parent)."
        )


def _integrity_error(exc: IntegrityError) -> InvalidCategory:
    return InvalidCategory(details={"slug": ["A category with this slug already exists."]})


def category_create(
    *, name: str, slug: str | None = None, parent_id: UUID | None = None
) -> Category:
    """Create a category under `parent_id` (a root without it); the slug defaults to the
    slugified name. Raises `InvalidCategory` (unknown parent, slug taken)."""
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = ["This field may not be blank."]
    value = _slug_or_error(errors, slug=slug, name=name or "")
    try:
        with transaction.atomic():
            parent = _parent_or_error(errors, parent_id)
            if value and Category.objects.filter(slug=value).exists():
                errors["slug"] = ["A category with this slug already exists."]
            path = f"{parent.path if parent else '/'}{value}/"
            _path_too_long(errors, len(path), "parent_id" if parent else "slug")
            if errors:
                raise InvalidCategory(details=errors)
            return Category.objects.create(
                name=name.strip(),
                slug=value,
                parent=parent,
                path=path,
                level=parent.level + 1 if parent else 0,
            )
    except IntegrityError as exc:
        raise _integrity_error(exc) from exc


def category_update(
    *,
    category_id: UUID,
    name: str = UNSET,
    slug: str | None = UNSET,
    parent_id: UUID | None = UNSET,
) -> Category:
    """Rename and/or move a category. A new slug or parent re-paths the whole subtree (paths
    and levels) in one UPDATE and drops the cached details of the products in it. A new name
    or path publishes `product.updated` (bulk, `{"ids": [...]}`) for every product in the
    subtree, so search reindexes their category names and ancestors.

    Raises `CategoryNotFound`, or `InvalidCategory` when moving under itself or one of its own
    descendants, for an unknown parent or a slug already taken.
    """
    try:
        with transaction.atomic():
            category = Category.objects.select_for_update().filter(id=category_id).first()
            if category is None:
                raise CategoryNotFound()
            errors: dict[str, list[str]] = {}
            old_name = category.name
            if name is not UNSET:
                if not (name or "").strip():
                    errors["name"] = ["This field may not be blank."]
                else:
                    category.name = name.strip()
            new_slug = category.slug
            if slug is not UNSET:
                new_slug = _slug_or_error(errors, slug=slug, name=category.name)
                clash = Category.objects.filter(slug=new_slug).exclude(id=category.id)
                if new_slug and clash.exists():
                    errors["slug"] = ["A category with this slug already exists."]
            parent = category.parent
            if parent_id is not UNSET:
                parent = _parent_or_error(errors, parent_id)
                if parent is not None and parent.path.startswith(category.path):
                    errors["parent_id"] = [
                        "A category cannot move under itself or its descendants."
                    ]
            old_path, old_level = category.path, category.level
            new_path = f"{parent.path if parent else '/'}{new_slug}/"
            new_level = parent.level + 1 if parent else 0
            if not errors and new_path != old_path:
                # The subtree's deepest path grows (or shrinks) by the same amount.
                deepest = Category.objects.filter(path__startswith=old_path).aggregate(
                    longest=Max(Length("path"))
                )["longest"] or len(old_path)
                field = "parent_id" if parent_id is not UNSET else "slug"
                _path_too_long(errors, deepest - len(old_path) + len(new_path), field)
            if errors:
                raise InvalidCategory(details=errors)

            category.slug, category.parent = new_slug, parent
            category.save(update_fields=["name", "slug", "parent"])
            if new_path != old_path:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {Category._meta.db_table} "  # noqa: S608 (our own table name)
                        "SET path = %s || substr(path, %s), level = level + %s "
                        "WHERE path LIKE %s",
                        [
                            new_path,
                            len(old_path) + 1,
                            new_level - old_level,
                            _like_prefix(old_path),
                        ],
                    )
            # The detail shows the category's name and path: drop the subtree's products.
            product_ids = Product.objects.filter(category__path__startswith=new_path).values_list(
                "id", flat=True
            )
            product_ids = list(product_ids)
            product_cache_invalidate_on_commit(product_ids)
            if new_path != old_path or category.name != old_name:
                products_updated_publish(product_ids=product_ids)
    except IntegrityError as exc:
        raise _integrity_error(exc) from exc
    category.refresh_from_db()
    return category


def _like_prefix(path: str) -> str:
    escaped = path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def category_delete(*, category_id: UUID) -> None:
    """Delete a category without products (whatever their status) and without children.

    Raises `CategoryNotFound`, or `CategoryInUse` (409) otherwise.
    """
    with transaction.atomic():
        category = Category.objects.select_for_update().filter(id=category_id).first()
        if category is None:
            raise CategoryNotFound()
        if Product.objects.filter(category=category).exists():
            raise CategoryInUse("The category has products; move or archive them first.")
        if Category.objects.filter(parent=category).exists():
            raise CategoryInUse("The category has subcategories; move or delete them first.")
        category.delete()
