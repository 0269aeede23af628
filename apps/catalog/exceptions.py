"""The catalog's domain errors (public): each has a stable `code` and `http_status`."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, NotFound


class ProductNotFound(NotFound):
    default_message = "Product not found."


class CategoryNotFound(NotFound):
    default_message = "Category not found."


class BrandNotFound(NotFound):
    default_message = "Brand not found."


class ReviewNotFound(NotFound):
    default_message = "Review not found."


class InvalidProduct(InvalidInput):
    """A product write broke a rule (negative price, unknown category, duplicate SKU …);
    `details` names the fields."""

    default_message = "Invalid product."


class InvalidCategory(InvalidInput):
    default_message = "Invalid category."


class InvalidBrand(InvalidInput):
    default_message = "Invalid brand."


class InvalidReview(InvalidInput):
    default_message = "Invalid review."


class CategoryInUse(Conflict):
    default_message = "The category still has products or subcategories."


class ReviewAlreadyExists(Conflict):
    default_message = "You have already reviewed this product."
