"""Vocabulary for the demo catalog: a three-level category tree, brands and product words."""

from __future__ import annotations

# root -> {child: [leaf, ...]}; every leaf has a noun list, a price range and variant axes.
TREE: dict[str, dict[str, list[str]]] = {
    "Clothing": {
        "Men": ["Men's T-Shirts", "Men's Shirts", "Men's Jeans", "Men's Jackets"],
        "Women": ["Women's Dresses", "Women's Tops", "Women's Jeans", "Women's Coats"],
        "Kids": ["Kids' T-Shirts", "Kids' Pyjamas"],
    },
    "Shoes": {
        "Sneakers": ["Running Shoes", "Court Sneakers"],
        "Boots": ["Hiking Boots", "Chelsea Boots"],
    },
    "Electronics": {
        "Audio": ["Headphones", "Bluetooth Speakers", "Earbuds"],
        "Computers": ["Laptops", "Monitors", "Keyboards"],
        "Phones": ["Smartphones", "Phone Cases"],
    },
    "Home & Kitchen": {
        "Kitchen": ["Cookware", "Knives", "Coffee Makers"],
        "Furniture": ["Desk Chairs", "Bookshelves"],
        "Bedding": ["Duvet Covers", "Pillows"],
    },
    "Sports & Outdoors": {
        "Camping": ["Tents", "Sleeping Bags", "Backpacks"],
        "Fitness": ["Yoga Mats", "Dumbbells"],
        "Cycling": ["Bike Helmets", "Bike Lights"],
    },
}

# leaf -> (nouns, (min price, max price), axis) where axis picks the variant attributes.
LEAVES: dict[str, tuple[list[str], tuple[int, int], str]] = {
    "Men's T-Shirts": (
        ["Crew Neck T-Shirt", "V-Neck Tee", "Pocket Tee", "Henley"],
        (12, 45),
        "apparel",
    ),
    "Men's Shirts": (
        ["Oxford Shirt", "Flannel Shirt", "Linen Shirt", "Denim Shirt"],
        (29, 95),
        "apparel",
    ),
    "Men's Jeans": (["Slim Jeans", "Straight Jeans", "Relaxed Jeans"], (39, 140), "waist"),
    "Men's Jackets": (
        ["Bomber Jacket", "Rain Jacket", "Puffer Jacket", "Field Jacket"],
        (69, 320),
        "apparel",
    ),
    "Women's Dresses": (
        ["Wrap Dress", "Midi Dress", "Shirt Dress", "Slip Dress"],
        (35, 180),
        "apparel",
    ),
    "Women's Tops": (["Blouse", "Tank Top", "Knit Sweater", "Cardigan"], (19, 89), "apparel"),
    "Women's Jeans": (["Skinny Jeans", "Mom Jeans", "Wide-Leg Jeans"], (39, 150), "waist"),
    "Women's Coats": (["Wool Coat", "Trench Coat", "Parka"], (89, 390), "apparel"),
    "Kids' T-Shirts": (["Graphic Tee", "Striped Tee"], (8, 25), "kids"),
    "Kids' Pyjamas": (["Pyjama Set", "Onesie"], (15, 40), "kids"),
    "Running Shoes": (["Road Runner", "Trail Runner", "Racing Flat"], (59, 220), "shoes"),
    "Court Sneakers": (["Low-Top Sneaker", "High-Top Sneaker", "Slip-On"], (45, 160), "shoes"),
    "Hiking Boots": (["Hiking Boot", "Approach Shoe"], (89, 280), "shoes"),
    "Chelsea Boots": (["Chelsea Boot", "Ankle Boot"], (79, 260), "shoes"),
    "Headphones": (
        ["Over-Ear Headphones", "Studio Headphones", "Noise-Cancelling Headphones"],
        (39, 450),
        "colour",
    ),
    "Bluetooth Speakers": (
        ["Portable Speaker", "Smart Speaker", "Party Speaker"],
        (29, 380),
        "colour",
    ),
    "Earbuds": (["True Wireless Earbuds", "Sport Earbuds"], (19, 280), "colour"),
    "Laptops": (["Ultrabook", "Gaming Laptop", "Convertible Laptop"], (499, 2900), "storage"),
    "Monitors": (["27-inch Monitor", "Ultrawide Monitor", "Portable Monitor"], (129, 1200), "none"),
    "Keyboards": (
        ["Mechanical Keyboard", "Wireless Keyboard", "Compact Keyboard"],
        (29, 240),
        "colour",
    ),
    "Smartphones": (["Smartphone", "Compact Phone", "Rugged Phone"], (199, 1400), "storage"),
    "Phone Cases": (["Silicone Case", "Leather Case", "Clear Case"], (9, 59), "colour"),
    "Cookware": (["Frying Pan", "Saucepan", "Dutch Oven", "Wok"], (19, 320), "none"),
    "Knives": (["Chef's Knife", "Paring Knife", "Bread Knife", "Santoku"], (15, 260), "none"),
    "Coffee Makers": (
        ["Pour-Over Set", "French Press", "Espresso Machine", "Drip Coffee Maker"],
        (19, 900),
        "colour",
    ),
    "Desk Chairs": (["Office Chair", "Ergonomic Chair", "Task Chair"], (89, 1100), "colour"),
    "Bookshelves": (["Bookshelf", "Ladder Shelf", "Cube Organizer"], (49, 450), "none"),
    "Duvet Covers": (["Duvet Cover", "Bedding Set"], (39, 220), "bed"),
    "Pillows": (["Down Pillow", "Memory Foam Pillow"], (19, 120), "none"),
    "Tents": (["Backpacking Tent", "Family Tent", "Ultralight Tent"], (89, 750), "none"),
    "Sleeping Bags": (["Down Sleeping Bag", "Synthetic Sleeping Bag"], (49, 420), "none"),
    "Backpacks": (["Daypack", "Travel Backpack", "Hiking Pack"], (29, 320), "colour"),
    "Yoga Mats": (["Yoga Mat", "Travel Yoga Mat"], (19, 120), "colour"),
    "Dumbbells": (["Adjustable Dumbbells", "Hex Dumbbell Pair"], (29, 420), "none"),
    "Bike Helmets": (["Road Helmet", "Commuter Helmet", "MTB Helmet"], (39, 260), "apparel"),
    "Bike Lights": (["Front Light", "Rear Light", "Light Set"], (15, 120), "none"),
}

AXES: dict[str, list[dict[str, str]]] = {
    "apparel": [{"size": s} for s in ("S", "M", "L", "XL")],
    "waist": [{"size": s} for s in ("30", "32", "34", "36")],
    "kids": [{"size": s} for s in ("4Y", "6Y", "8Y")],
    "shoes": [{"size": s} for s in ("40", "41", "42", "43", "44")],
    "colour": [{"colour": c} for c in ("Black", "White", "Blue")],
    "storage": [{"storage": s} for s in ("128 GB", "256 GB", "512 GB")],
    "bed": [{"size": s} for s in ("Single", "Double", "King")],
    "none": [{}],
}
# Price steps per axis value (bigger sizes and storage cost more).
STEP = {"storage": 100, "bed": 20, "waist": 0, "apparel": 0, "shoes": 0, "kids": 0, "colour": 0}

COLOURS = ["Black", "Navy", "Olive", "Sand", "Charcoal", "Red", "White", "Forest Green", "Rust"]
ADJECTIVES = [
    "Classic",
    "Essential",
    "Everyday",
    "Premium",
    "Lightweight",
    "Heritage",
    "Urban",
    "Performance",
    "Vintage",
    "Modern",
    "Organic",
    "Recycled",
    "Pro",
    "Compact",
    "Deluxe",
    "Signature",
    "Studio",
    "Trail",
    "Coastal",
    "Nordic",
]
MATERIALS = [
    "Cotton",
    "Merino",
    "Linen",
    "Leather",
    "Bamboo",
    "Aluminium",
    "Oak",
    "Walnut",
    "Stainless",
    "Canvas",
    "Suede",
    "Ceramic",
    "Carbon",
    "Recycled Nylon",
    "Cast-Iron",
]
BRANDS = [
    "Northwind",
    "Alder & Co",
    "Bluepeak",
    "Cobalt Works",
    "Driftwood",
    "Ember",
    "Fjordline",
    "Granite Gear",
    "Harbor Lane",
    "Ironbark",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple Street",
    "Nimbus",
    "Oakridge",
    "Pinecrest",
    "Quill",
    "Redfern",
    "Saltmarsh",
    "Tidewater",
    "Umber",
    "Vantage",
    "Willow & Wren",
    "Xenon Audio",
    "Yellowstone Supply",
    "Zephyr",
    "Aurora Labs",
    "Basalt",
    "Cedar Hollow",
]
SENTENCES = [
    "Built to last with {material_l} and careful stitching.",
    "A {adjective_l} take on the {noun_l}, made for every day.",
    "Designed in small batches and tested by people who use it daily.",
    "Backed by a two-year warranty and free returns.",
    "Easy to care for and lovely to use.",
    "The {colour_l} finish goes with everything.",
    "Thoughtful details you notice after a week, not a minute.",
    "Responsibly made, with packaging that is fully recyclable.",
]
