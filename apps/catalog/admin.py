"""The merchandisers' admin. Saves go through the catalog services (or are followed by them),
so denormalized prices, the stock flag, events and the detail cache stay right."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from apps.catalog import services
from apps.catalog.models import (
    Brand,
    Category,
    Product,
    ProductAttribute,
    ProductImage,
    Review,
    Variant,
)
from shop.admin_pagination import EstimatedCountPaginator
from shop.errors import DomainError


class VariantInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        base = getattr(self.instance, "base_price", None)
        if base is None:
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or data.get("price_adjustment") is None:
                continue
            if base + data["price_adjustment"] < 0:
                form.add_error("price_adjustment", "Makes the variant's price negative.")


class VariantInline(admin.TabularInline):
    model = Variant
    formset = VariantInlineFormSet
    fields = ["sku", "attributes", "price_adjustment", "price", "position", "in_stock", "available"]
    readonly_fields = ["price", "in_stock", "available"]
    extra = 0
    can_delete = False  # stock and order history refer to variants by id


class ProductAttributeInline(admin.TabularInline):
    model = ProductAttribute
    extra = 0


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    fields = ["image", "alt_text", "position"]
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "sku", "name", "category", "brand", "price", "in_stock", "status", "rating", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "category", "brand"]
    search_fields = ["sku__exact", "name__icontains"]
    autocomplete_fields = ["category", "brand"]
    list_select_related = ["category", "brand"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    readonly_fields = [
        "slug", "price", "in_stock", "rating", "num_reviews", "created_at", "updated_at",
    ]  # fmt: skip
    inlines = [VariantInline, ProductAttributeInline, ProductImageInline]
    actions = ["activate", "archive"]

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead: order history keeps its references

    def save_model(self, request, obj, form, change):
        if not obj.slug:
            obj.slug = services.product_slug_for(name=obj.name, sku=obj.sku)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inlines are saved by now: recompute prices, publish the event, drop the cache.
        services.product_saved_elsewhere(product_id=form.instance.pk, created=not change)

    @admin.action(description="Activate the selected products")
    def activate(self, request, queryset):
        self._status(request, queryset, Product.Status.ACTIVE)

    @admin.action(description="Archive the selected products")
    def archive(self, request, queryset):
        self._status(request, queryset, Product.Status.ARCHIVED)

    def _status(self, request, queryset, status):
        ids = list(queryset.values_list("id", flat=True))
        changed = services.products_status_set(product_ids=ids, status=status)
        self.message_user(request, f"{changed} product(s) now {status}.", messages.SUCCESS)


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "parent"]

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        if self.instance.pk and parent and parent.path.startswith(self.instance.path):
            self.add_error("parent", "A category cannot move under itself or its descendants.")
        return data


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = ["indented_name", "slug", "path", "level"]
    ordering = ["path"]
    search_fields = ["name", "slug", "path"]
    readonly_fields = ["path", "level"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="name", ordering="path")
    def indented_name(self, obj):
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            obj.level * 1.5,
            "└ " if obj.level else "",
            obj.name,
        )

    def save_model(self, request, obj, form, change):
        # Through the services: a new slug or parent re-paths the subtree.
        try:
            if change:
                saved = services.category_update(
                    category_id=obj.pk, name=obj.name, slug=obj.slug, parent_id=obj.parent_id
                )
            else:
                saved = services.category_create(
                    name=obj.name, slug=obj.slug, parent_id=obj.parent_id
                )
        except DomainError as exc:
            self.message_user(request, f"{exc.message} {exc.details}", messages.ERROR)
            raise
        obj.pk, obj.path, obj.level, obj.slug = saved.pk, saved.path, saved.level, saved.slug
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.category_delete(category_id=obj.pk)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        if change:
            services.brand_update(brand_id=obj.pk, name=obj.name, slug=obj.slug)
        else:
            saved = services.brand_create(name=obj.name, slug=obj.slug)
            obj.pk = saved.pk
            obj._state.adding = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["product", "rating", "author_name", "title", "created_at"]
    list_filter = ["rating"]
    list_select_related = ["product"]
    search_fields = ["product__sku__exact", "title"]
    readonly_fields = [
        "product", "user_id", "author_name", "rating", "title", "body", "created_at",
    ]  # fmt: skip
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        services.review_delete(review_id=obj.pk)

    def delete_queryset(self, request, queryset):
        # One at a time through the service, so every product's rating is recomputed.
        for review_id in queryset.values_list("id", flat=True):
            services.review_delete(review_id=review_id)
