"""Admin: the promotions dry run (/admin/promotions/dry-run, linked from the promotions list).

It lives with the cart because it prices carts: staff pick lines (variant ids and
quantities) or an existing cart (by anonymous token or user id), optionally a coupon, the
customer's first-order status and a moment, and see what `cart_price` answers: the totals,
the discount per line and every candidate promotion with why it applies or not. Reads only.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from apps.cart import pricing, services
from apps.catalog.services import variants_get
from apps.promotions.services import cart_price
from shop.errors import DomainError

_FIRST_ORDER = {"unknown": None, "yes": True, "no": False}


class DryRunForm(forms.Form):
    lines = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 60}),
        help_text="One line per row: <variant id> <quantity>. Ignored when a cart is given.",
    )
    cart_token = forms.CharField(required=False, help_text="An anonymous cart's token")
    user_id = forms.UUIDField(required=False, help_text="A signed-in customer's cart")
    coupon_code = forms.CharField(
        required=False, max_length=50, help_text="Default: the cart's own coupon"
    )
    is_first_order = forms.ChoiceField(
        choices=[("unknown", "as the cart guesses"), ("yes", "yes"), ("no", "no")],
        initial="unknown",
    )
    at = forms.DateTimeField(required=False, help_text="Price as of (default: now), UTC")

    def clean(self):
        data = super().clean()
        if data.get("cart_token") and data.get("user_id"):
            raise forms.ValidationError("A cart token or a user id, not both.")
        if not (data.get("cart_token") or data.get("user_id") or data.get("lines")):
            raise forms.ValidationError("Give lines, a cart token or a user id.")
        return data

    def parsed_lines(self) -> list[tuple[uuid.UUID, int]]:
        parsed = []
        for number, row in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not row.strip():
                continue
            try:
                variant, quantity = row.split()
                parsed.append((uuid.UUID(variant), int(quantity)))
            except ValueError:
                raise forms.ValidationError(f"Row {number}: '<variant id> <quantity>'.")
            if parsed[-1][1] < 1:
                raise forms.ValidationError(f"Row {number}: the quantity must be 1 or more.")
        return parsed


def _lines_priced(wanted: list[tuple[uuid.UUID, int]]) -> tuple[list, list[str]]:
    variants = variants_get([variant_id for variant_id, _ in wanted])
    priced, problems = [], []
    for variant_id, quantity in wanted:
        variant = variants.get(variant_id)
        if variant is None or not variant.purchasable:
            problems.append(f"{variant_id}: unknown or not for sale, left out.")
            continue
        priced.append(
            pricing.PricedLine(
                item_id=uuid.uuid4(),
                variant_id=variant.id,
                product_id=variant.product_id,
                category_path=variant.category_path,
                quantity=quantity,
                unit_price=variant.price,
                current_price=variant.price,
            )
        )
    return priced, problems


@staff_member_required
def promotion_dry_run_view(request):
    form = DryRunForm(request.POST or None)
    context = {**admin.site.each_context(request), "form": form, "title": "Promotions dry run"}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        problems: list[str] = []
        try:
            coupon = data["coupon_code"] or None
            user_id = data["user_id"]
            if data["cart_token"] or user_id:
                owner = (
                    services.CartOwner.for_user(user_id)
                    if user_id
                    else services.CartOwner.for_token(data["cart_token"])
                )
                cart = services.cart_get(owner=owner)
                lines, coupon = list(cart.priced_lines), coupon or cart.coupon_code
                names = {line.id: line.name for line in cart.lines}
            else:
                lines, problems = _lines_priced(form.parsed_lines())
                names = {}
            result = cart_price(
                lines=[line.for_promotions() for line in lines],
                coupon_code=coupon,
                user_id=user_id,
                is_first_order=_FIRST_ORDER[data["is_first_order"]],
                now=data["at"],
            )
        except forms.ValidationError as error:
            form.add_error("lines", error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            context.update(
                result=result,
                coupon=coupon,
                problems=problems,
                rows=[
                    {
                        "line": line,
                        "name": names.get(line.item_id, str(line.variant_id)),
                        "discount": result.allocation[line.item_id],
                    }
                    for line in lines
                ],
            )
    return render(request, "admin/cart/promotion_dry_run.html", context)
