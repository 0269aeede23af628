"""The catalog's public interface: what other apps, the API, the admin and commands call.

Import from here only (`from apps.catalog.services import variants_get`); the modules of this
package are its private layout.
"""

from apps.catalog.services.brands import brand_create, brand_update, brands_list
from apps.catalog.services.categories import (
    category_create,
    category_delete,
    category_get,
    category_paths_get_cached,
    category_tree,
    category_tree_body,
    category_tree_cached_body,
    category_tree_invalidate,
    category_tree_invalidate_on_commit,
    category_update,
)
from apps.catalog.services.demo_seed import DemoSeedSummary, catalog_demo_seed
from apps.catalog.services.detail import (
    product_cache_invalidate,
    product_cache_invalidate_on_commit,
    product_detail_body,
    product_detail_cached_body,
    product_detail_get,
    product_details_many,
)
from apps.catalog.services.listing import (
    product_list_cached_body,
    product_list_count,
    product_list_page,
    product_lists_invalidate,
)
from apps.catalog.services.lookup import (
    VariantInfo,
    category_paths_get,
    product_ids_existing,
    variants_get,
    variants_get_cached,
)
from apps.catalog.services.products import (
    UNSET,
    catalog_has_products,
    product_archive,
    product_create,
    product_prices_refresh,
    product_saved_elsewhere,
    product_slug_for,
    product_update,
    products_filter,
    products_status_set,
    products_updated_publish,
)
from apps.catalog.services.reviews import review_create, review_delete, reviews_list
from apps.catalog.services.search_source import (
    CategoryRef,
    ProductSearchSource,
    product_ids_active,
    products_active_count,
    products_search_source,
)
from apps.catalog.services.stock import (
    products_in_stock_refresh,
    variant_ids_all,
    variant_stock_apply,
    variants_stock_bulk_apply,
)

__all__ = [
    "UNSET",
    "CategoryRef",
    "DemoSeedSummary",
    "ProductSearchSource",
    "VariantInfo",
    "brand_create",
    "brand_update",
    "brands_list",
    "catalog_demo_seed",
    "catalog_has_products",
    "category_paths_get",
    "category_paths_get_cached",
    "category_create",
    "category_delete",
    "category_get",
    "category_tree",
    "category_tree_body",
    "category_tree_cached_body",
    "category_tree_invalidate",
    "category_tree_invalidate_on_commit",
    "category_update",
    "product_archive",
    "product_cache_invalidate",
    "product_cache_invalidate_on_commit",
    "product_create",
    "product_detail_body",
    "product_detail_cached_body",
    "product_detail_get",
    "product_details_many",
    "product_ids_active",
    "product_ids_existing",
    "product_list_cached_body",
    "product_list_count",
    "product_list_page",
    "product_lists_invalidate",
    "product_prices_refresh",
    "product_saved_elsewhere",
    "product_slug_for",
    "product_update",
    "products_active_count",
    "products_filter",
    "products_in_stock_refresh",
    "products_search_source",
    "products_status_set",
    "products_updated_publish",
    "review_create",
    "review_delete",
    "reviews_list",
    "variant_ids_all",
    "variant_stock_apply",
    "variants_stock_bulk_apply",
    "variants_get",
    "variants_get_cached",
]
