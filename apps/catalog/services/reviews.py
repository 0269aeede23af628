"""Reviews: one per user per product; the product's `rating` and `num_reviews` follow."""

from __future__ import annotations

from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from apps.accounts.exceptions import UserNotFound
from apps.accounts.services import user_get
from apps.catalog.exceptions import (
    InvalidReview,
    ProductNotFound,
    ReviewAlreadyExists,
    ReviewNotFound,
)
from apps.catalog.models import Product, Review
from apps.catalog.services.detail import product_cache_invalidate_on_commit
from shop import events


def _visible_product(product_id: UUID, *, include_hidden: bool, lock: bool = False) -> Product:
    products = Product.objects.select_for_update() if lock else Product.objects.all()
    if not include_hidden:
        products = products.filter(status=Product.Status.ACTIVE)
    product = products.filter(id=product_id).first()
    if product is None:
        raise ProductNotFound()
    return product


def reviews_list(*, product_id: UUID, include_hidden: bool = False) -> QuerySet[Review]:
    """The reviews of a visible product, newest first. Raises `ProductNotFound`."""
    _visible_product(product_id, include_hidden=include_hidden)
    return Review.objects.filter(product_id=product_id).order_by("-created_at", "id")


def _rating_refresh(product_id: UUID) -> None:
    # In SQL under the product's row lock (taken by the caller), so concurrent reviews of one
    # product serialize and the aggregate always matches the rows. Search shows and sorts by
    # the rating: tell it.
    product_table, review_table = Product._meta.db_table, Review._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {product_table} p SET "  # noqa: S608 (our own table names)
            "rating = COALESCE((SELECT ROUND(AVG(r.rating), 2) FROM "
            f"{review_table} r WHERE r.product_id = p.id), 0), "
            f"num_reviews = (SELECT COUNT(*) FROM {review_table} r WHERE r.product_id = p.id) "
            "WHERE p.id = %s",
            [product_id],
        )
    events.publish("product.updated", {"id": str(product_id)})


def review_create(
    *,
    product_id: UUID,
    user_id: UUID,
    rating: int,
    title: str = "",
    body: str = "",
    author_name: str | None = None,
    include_hidden: bool = False,
) -> Review:
    """A user reviews a visible product once, rating 1–5; the product's rating and count are
    recomputed in the same transaction. Raises `ProductNotFound`, `InvalidReview` (rating),
    `ReviewAlreadyExists` (409) for a second review by the same user. Without `author_name`
    the display name ("Ada L.", "Ada", else "Customer") comes from accounts."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidReview(details={"rating": ["Must be an integer from 1 to 5."]})
    if author_name is None:
        author_name = _author_name(user_id)
    try:
        with transaction.atomic():
            product = _visible_product(product_id, include_hidden=include_hidden, lock=True)
            if Review.objects.filter(product=product, user_id=user_id).exists():
                raise ReviewAlreadyExists()
            review = Review.objects.create(
                product=product,
                user_id=user_id,
                author_name=(author_name or "")[:200],
                rating=rating,
                title=(title or "")[:200],
                body=body or "",
            )
            _rating_refresh(product.id)
            product_cache_invalidate_on_commit([product.id])
    except IntegrityError as exc:
        # Only the unique (product, user) constraint can fail here: a concurrent duplicate.
        raise ReviewAlreadyExists() from exc
    return review


ANONYMOUS_AUTHOR = "Customer"


def _author_name(user_id: UUID) -> str:
    # A display snapshot shown to everyone: first name and initial, never the user id or any
    # part of the email (its local part is often the person's full name).
    try:
        user = user_get(user_id)
    except UserNotFound:
        return ANONYMOUS_AUTHOR
    first, last = user.first_name.strip(), user.last_name.strip()
    if first:
        return f"{first} {last[:1]}." if last else first
    return ANONYMOUS_AUTHOR


def review_delete(*, review_id: UUID) -> None:
    """Delete a review (staff moderation) and recompute the product's rating and count."""
    with transaction.atomic():
        product_id = (
            Review.objects.filter(id=review_id).values_list("product_id", flat=True).first()
        )
        if product_id is None:
            raise ReviewNotFound()
        # Lock the product first, like review_create, so the two cannot deadlock.
        Product.objects.select_for_update().filter(id=product_id).first()
        Review.objects.filter(id=review_id).delete()
        _rating_refresh(product_id)
        product_cache_invalidate_on_commit([product_id])
