"""What the demo stores sell: hand-written staples every shopper question relies on, and
word lists that multiply into as many more real-looking products as a seed asks for."""

from __future__ import annotations

from dataclasses import dataclass

STORE_BRAND = "Bayside"

STORES = (
    ("Mission", "San Francisco"),
    ("Marina", "San Francisco"),
    ("Sunset", "San Francisco"),
    ("Rockridge", "Oakland"),
    ("Downtown Berkeley", "Berkeley"),
    ("Daly City", "Daly City"),
)

# One size of a product: the label in its name, the amount in `unit`s, the regular price.
Size = tuple[str, float, str, int]

CANS_12 = ("12 pk 12 fl oz cans", 12, "can", 0)
CANS_24 = ("24 pk 12 fl oz cans", 24, "can", 0)
CANS_8 = ("8 pk 12 fl oz cans", 8, "can", 0)
TWO_LITER = ("2 L", 67.6, "fl oz", 0)


def priced(size: tuple, cents: int) -> Size:
    return (size[0], size[1], size[2], cents)


@dataclass(frozen=True)
class Line:
    """A product line: `name` (with "{}" for a variety) in one or more sizes."""

    name: str
    brand: str
    category: str
    tags: str
    sizes: tuple[Size, ...]
    varieties: tuple[str, ...] = ("",)


# Data tables, laid out by hand for reading; the formatter would give each value a line.
# fmt: off
STAPLES = (
    # Beverages
    Line("Sunkist Orange Soda", "Sunkist", "Beverages", "soda",
         (priced(CANS_12, 749), priced(TWO_LITER, 279))),
    Line("Fanta Orange", "Fanta", "Beverages", "soda",
         (priced(CANS_12, 749), priced(TWO_LITER, 279))),
    Line("Crush Orange", "Crush", "Beverages", "soda",
         (priced(CANS_12, 699), priced(TWO_LITER, 259))),
    Line("Bayside Orange Soda", STORE_BRAND, "Beverages", "soda, store brand",
         (priced(CANS_12, 449), priced(TWO_LITER, 169))),
    Line("Coca-Cola Classic", "Coca-Cola", "Beverages", "soda, cola, coke",
         (priced(CANS_12, 899), priced(CANS_24, 1599), priced(TWO_LITER, 329))),
    Line("Diet Coke", "Coca-Cola", "Beverages", "soda, cola, diet",
         (priced(CANS_12, 899), priced(TWO_LITER, 329))),
    Line("Pepsi", "Pepsi", "Beverages", "soda, cola",
         (priced(CANS_12, 849), priced(CANS_24, 1549), priced(TWO_LITER, 299))),
    Line("Sprite Lemon-Lime", "Sprite", "Beverages", "soda",
         (priced(CANS_12, 899), priced(TWO_LITER, 329))),
    Line("Dr Pepper", "Dr Pepper", "Beverages", "soda", (priced(CANS_12, 849),)),
    Line("LaCroix Sparkling Water {}", "LaCroix", "Beverages", "sparkling water, seltzer",
         (priced(CANS_12, 649), priced(CANS_8, 479)), ("Lime", "Pamplemousse", "Pure")),
    Line("Bubly Sparkling Water {}", "Bubly", "Beverages", "sparkling water, seltzer",
         (priced(CANS_8, 449),), ("Lime", "Grapefruit", "Cherry")),
    Line("Polar Seltzer {}", "Polar", "Beverages", "sparkling water, seltzer",
         (priced(CANS_12, 499),), ("Original", "Lime")),
    Line("Bayside Sparkling Water {}", STORE_BRAND, "Beverages",
         "sparkling water, seltzer, store brand", (priced(CANS_12, 399),), ("Lemon", "Lime")),
    Line("Tropicana Pure Premium Orange Juice", "Tropicana", "Beverages", "juice, oj",
         (("52 fl oz", 52, "fl oz", 499), ("89 fl oz", 89, "fl oz", 699))),
    Line("Simply Orange Juice Pulp Free", "Simply", "Beverages", "juice, oj",
         (("52 fl oz", 52, "fl oz", 479),)),
    Line("Gatorade Thirst Quencher {}", "Gatorade", "Beverages", "sports drink",
         (("8 pk 20 fl oz bottles", 8, "ct", 899),), ("Fruit Punch", "Cool Blue")),
    Line("Dasani Purified Water", "Dasani", "Beverages", "bottled water",
         (("24 pk 16.9 fl oz bottles", 24, "ct", 699),)),
    # Snacks
    Line("Lay's Classic Potato Chips", "Lay's", "Snacks", "chips, gluten-free",
         (("8 oz", 8, "oz", 499), ("13 oz party size", 13, "oz", 699))),
    Line("Doritos Nacho Cheese Tortilla Chips", "Doritos", "Snacks", "chips",
         (("9.25 oz", 9.25, "oz", 549),)),
    Line("Ruffles Original Potato Chips", "Ruffles", "Snacks", "chips",
         (("8.5 oz", 8.5, "oz", 499),)),
    Line("Tostitos Scoops Tortilla Chips", "Tostitos", "Snacks", "chips, gluten-free",
         (("10 oz", 10, "oz", 549),)),
    Line("Kettle Brand Sea Salt Potato Chips", "Kettle Brand", "Snacks", "chips, gluten-free",
         (("8.5 oz", 8.5, "oz", 449),)),
    Line("Goldfish Cheddar Crackers", "Pepperidge Farm", "Snacks", "crackers",
         (("6.6 oz", 6.6, "oz", 299),)),
    Line("Ritz Original Crackers", "Ritz", "Snacks", "crackers", (("13.7 oz", 13.7, "oz", 499),)),
    Line("Oreo Chocolate Sandwich Cookies", "Oreo", "Snacks", "cookies",
         (("13.29 oz", 13.29, "oz", 499),)),
    Line("KIND Dark Chocolate Nuts & Sea Salt Bars", "KIND", "Snacks", "snack bars, gluten-free",
         (("6 ct", 6, "ct", 699),)),
    Line("SkinnyPop Original Popcorn", "SkinnyPop", "Snacks", "popcorn, gluten-free",
         (("4.4 oz", 4.4, "oz", 399),)),
    # Cereal & Breakfast
    Line("Cheerios", "General Mills", "Cereal & Breakfast", "cereal, gluten-free, whole grain",
         (("8.9 oz", 8.9, "oz", 399), ("12 oz", 12, "oz", 469), ("18 oz", 18, "oz", 549))),
    Line("Honey Nut Cheerios", "General Mills", "Cereal & Breakfast", "cereal, gluten-free",
         (("10.8 oz", 10.8, "oz", 469), ("18.8 oz", 18.8, "oz", 599))),
    Line("Frosted Flakes", "Kellogg's", "Cereal & Breakfast", "cereal",
         (("13.5 oz", 13.5, "oz", 479), ("24 oz", 24, "oz", 649))),
    Line("Raisin Bran", "Kellogg's", "Cereal & Breakfast", "cereal",
         (("16.6 oz", 16.6, "oz", 499),)),
    Line("Cinnamon Toast Crunch", "General Mills", "Cereal & Breakfast", "cereal",
         (("12 oz", 12, "oz", 479),)),
    Line("Kashi GO Original", "Kashi", "Cereal & Breakfast", "cereal",
         (("13.1 oz", 13.1, "oz", 549),)),
    Line("Bayside Toasted Oats", STORE_BRAND, "Cereal & Breakfast", "cereal, store brand",
         (("12 oz", 12, "oz", 269),)),
    Line("Quaker Old Fashioned Oats", "Quaker", "Cereal & Breakfast", "oatmeal",
         (("18 oz", 18, "oz", 449), ("42 oz", 42, "oz", 699))),
    # Dairy & Eggs
    Line("Bayside Whole Milk", STORE_BRAND, "Dairy & Eggs", "milk, store brand",
         (("1 gal", 128, "fl oz", 429), ("half gal", 64, "fl oz", 279))),
    Line("Bayside 2% Reduced Fat Milk", STORE_BRAND, "Dairy & Eggs", "milk, store brand",
         (("1 gal", 128, "fl oz", 419),)),
    Line("Horizon Organic Whole Milk", "Horizon", "Dairy & Eggs", "milk, organic",
         (("half gal", 64, "fl oz", 549),)),
    Line("Bayside Large Grade A Eggs", STORE_BRAND, "Dairy & Eggs", "eggs, store brand",
         (("12 ct", 12, "ct", 349), ("18 ct", 18, "ct", 499))),
    Line("Vital Farms Pasture-Raised Large Eggs", "Vital Farms", "Dairy & Eggs", "eggs",
         (("12 ct", 12, "ct", 699),)),
    Line("Tillamook Shredded Mexican Four Cheese Blend", "Tillamook", "Dairy & Eggs",
         "cheese, shredded cheese, gluten-free", (("8 oz", 8, "oz", 399),)),
    Line("Kraft Finely Shredded Mexican Style Four Cheese", "Kraft", "Dairy & Eggs",
         "cheese, shredded cheese", (("8 oz", 8, "oz", 379),)),
    Line("Tillamook Medium Cheddar Cheese Block", "Tillamook", "Dairy & Eggs", "cheese",
         (("16 oz", 16, "oz", 699),)),
    Line("Chobani Greek Yogurt {}", "Chobani", "Dairy & Eggs", "yogurt, gluten-free",
         (("5.3 oz", 5.3, "oz", 149), ("32 oz", 32, "oz", 599)), ("Plain", "Strawberry")),
    Line("Daisy Sour Cream", "Daisy", "Dairy & Eggs", "sour cream", (("16 oz", 16, "oz", 299),)),
    # Meat & Seafood
    Line("Bayside 85% Lean Ground Beef", STORE_BRAND, "Meat & Seafood",
         "ground beef, beef, store brand", (("1 lb", 1, "lb", 699),)),
    Line("Niman Ranch 90% Lean Ground Beef", "Niman Ranch", "Meat & Seafood",
         "ground beef, beef", (("1 lb", 1, "lb", 899),)),
    Line("Foster Farms Boneless Skinless Chicken Breasts", "Foster Farms", "Meat & Seafood",
         "chicken", (("per lb", 1, "lb", 549),)),
    Line("Oscar Mayer Classic Wieners", "Oscar Mayer", "Meat & Seafood", "hot dogs",
         (("10 ct", 10, "ct", 399),)),
    Line("Atlantic Salmon Fillet", STORE_BRAND, "Meat & Seafood", "fish, seafood, salmon",
         (("per lb", 1, "lb", 1199),)),
    # Produce
    Line("Bananas", "Dole", "Produce", "fruit", (("per lb", 1, "lb", 69),)),
    Line("Hass Avocados", "Calavo", "Produce", "fruit, avocado", (("each", 1, "ct", 149),)),
    Line("Strawberries", "Driscoll's", "Produce", "fruit, berries", (("1 lb", 1, "lb", 499),)),
    Line("Blueberries", "Driscoll's", "Produce", "fruit, berries", (("6 oz", 6, "oz", 399),)),
    Line("Gala Apples", "Stemilt", "Produce", "fruit", (("per lb", 1, "lb", 199),)),
    Line("Romaine Hearts", "Taylor Farms", "Produce", "vegetables, lettuce",
         (("3 ct", 3, "ct", 399),)),
    Line("Yellow Onions", "Bayside Farms", "Produce", "vegetables",
         (("3 lb bag", 3, "lb", 349),)),
    Line("Roma Tomatoes", "Bayside Farms", "Produce", "vegetables", (("per lb", 1, "lb", 179),)),
    Line("Limes", "Bayside Farms", "Produce", "fruit", (("each", 1, "ct", 49),)),
    Line("Cilantro", "Bayside Farms", "Produce", "herbs", (("bunch", 1, "ct", 99),)),
    Line("Russet Potatoes", "Bayside Farms", "Produce", "vegetables",
         (("5 lb bag", 5, "lb", 499),)),
    # Bakery & Bread
    Line("Dave's Killer Bread 21 Whole Grains and Seeds", "Dave's Killer Bread",
         "Bakery & Bread", "bread, organic", (("27 oz", 27, "oz", 649),)),
    Line("Bayside Sandwich White Bread", STORE_BRAND, "Bakery & Bread", "bread, store brand",
         (("20 oz", 20, "oz", 199),)),
    Line("Udi's Gluten Free Whole Grain Bread", "Udi's", "Bakery & Bread",
         "bread, gluten-free", (("12 oz", 12, "oz", 649),)),
    Line("Guerrero Soft Taco Flour Tortillas", "Guerrero", "Bakery & Bread", "tortillas, taco",
         (("10 ct", 10, "ct", 329),)),
    Line("La Banderita Corn Tortillas", "La Banderita", "Bakery & Bread",
         "tortillas, taco, gluten-free", (("30 ct", 30, "ct", 299),)),
    Line("Thomas' Plain Bagels", "Thomas'", "Bakery & Bread", "bagels", (("6 ct", 6, "ct", 499),)),
    # Frozen
    Line("DiGiorno Rising Crust Pepperoni Pizza", "DiGiorno", "Frozen", "frozen pizza",
         (("27.5 oz", 27.5, "oz", 849),)),
    Line("DiGiorno Four Cheese Pizza", "DiGiorno", "Frozen", "frozen pizza",
         (("26.2 oz", 26.2, "oz", 849),)),
    Line("Red Baron Classic Crust Pepperoni Pizza", "Red Baron", "Frozen", "frozen pizza",
         (("20.6 oz", 20.6, "oz", 549),)),
    Line("Tombstone Original Supreme Pizza", "Tombstone", "Frozen", "frozen pizza",
         (("21.6 oz", 21.6, "oz", 499),)),
    Line("Amy's Margherita Pizza", "Amy's", "Frozen", "frozen pizza, organic",
         (("13 oz", 13, "oz", 899),)),
    Line("Bayside Thin Crust Margherita Pizza", STORE_BRAND, "Frozen",
         "frozen pizza, store brand", (("15 oz", 15, "oz", 449),)),
    Line("Ben & Jerry's {} Ice Cream", "Ben & Jerry's", "Frozen", "ice cream",
         (("1 pint", 16, "fl oz", 599),), ("Half Baked", "Cherry Garcia", "Phish Food")),
    Line("Häagen-Dazs {} Ice Cream", "Häagen-Dazs", "Frozen", "ice cream, gluten-free",
         (("14 fl oz", 14, "fl oz", 599),), ("Vanilla", "Coffee")),
    Line("Breyers Natural Vanilla Ice Cream", "Breyers", "Frozen", "ice cream, gluten-free",
         (("48 fl oz", 48, "fl oz", 549),)),
    Line("Tillamook {} Ice Cream", "Tillamook", "Frozen", "ice cream",
         (("48 fl oz", 48, "fl oz", 649),), ("Mudslide", "Vanilla Bean")),
    Line("Eggo Homestyle Waffles", "Eggo", "Frozen", "waffles, breakfast",
         (("10 ct", 10, "ct", 349),)),
    # Pantry
    Line("Pace Chunky Salsa Medium", "Pace", "Pantry", "salsa, taco, gluten-free",
         (("16 oz", 16, "oz", 349),)),
    Line("Tostitos Chunky Salsa Medium", "Tostitos", "Pantry", "salsa, taco",
         (("15.5 oz", 15.5, "oz", 429),)),
    Line("Old El Paso Taco Seasoning", "Old El Paso", "Pantry", "taco, spices",
         (("1 oz", 1, "oz", 129),)),
    Line("Old El Paso Hard Taco Shells", "Old El Paso", "Pantry", "taco",
         (("12 ct", 12, "ct", 279),)),
    Line("Barilla Gluten Free Spaghetti", "Barilla", "Pantry", "pasta, gluten-free",
         (("12 oz", 12, "oz", 299),)),
    Line("Barilla Spaghetti", "Barilla", "Pantry", "pasta", (("16 oz", 16, "oz", 199),)),
    Line("Rao's Homemade Marinara Sauce", "Rao's", "Pantry", "pasta sauce, gluten-free",
         (("24 oz", 24, "oz", 899),)),
    Line("Kraft Macaroni & Cheese Original", "Kraft", "Pantry",
         "mac and cheese, macaroni and cheese",
         (("7.25 oz", 7.25, "oz", 149),)),
    Line("Skippy Creamy Peanut Butter", "Skippy", "Pantry", "peanut butter",
         (("16.3 oz", 16.3, "oz", 399),)),
    # Coffee & Tea
    Line("Peet's Major Dickason's Blend Ground Coffee", "Peet's", "Coffee & Tea",
         "coffee, ground coffee", (("10.5 oz", 10.5, "oz", 1099),)),
    Line("Starbucks Pike Place Roast Ground Coffee", "Starbucks", "Coffee & Tea",
         "coffee, ground coffee", (("12 oz", 12, "oz", 1099),)),
    Line("Folgers Classic Roast Ground Coffee", "Folgers", "Coffee & Tea",
         "coffee, ground coffee", (("25.9 oz", 25.9, "oz", 1199),)),
    Line("Lavazza Super Crema Whole Bean Coffee", "Lavazza", "Coffee & Tea",
         "coffee, whole bean, espresso", (("2.2 lb", 35.2, "oz", 2199),)),
    Line("Starbucks Pike Place Roast K-Cup Pods", "Starbucks", "Coffee & Tea",
         "coffee, coffee pods", (("22 ct", 22, "ct", 1599),)),
    Line("Bayside French Roast Ground Coffee", STORE_BRAND, "Coffee & Tea",
         "coffee, ground coffee, store brand", (("12 oz", 12, "oz", 699),)),
    Line("Tazo Chai Tea Bags", "Tazo", "Coffee & Tea", "tea", (("20 ct", 20, "ct", 499),)),
    # Household
    Line("Tide PODS Original Laundry Detergent Pacs", "Tide", "Household",
         "laundry detergent, pods", (("42 ct", 42, "ct", 1399), ("81 ct", 81, "ct", 2599))),
    Line("Tide Original Liquid Laundry Detergent", "Tide", "Household", "laundry detergent",
         (("92 fl oz", 92, "fl oz", 1399),)),
    Line("Bounty Select-A-Size Paper Towels", "Bounty", "Household", "paper towels",
         (("6 double rolls", 6, "ct", 1199),)),
    Line("Charmin Ultra Soft Toilet Paper", "Charmin", "Household", "toilet paper",
         (("12 mega rolls", 12, "ct", 1499),)),
    Line("Dawn Ultra Dish Soap Original", "Dawn", "Household", "dish soap",
         (("19.4 fl oz", 19.4, "fl oz", 349),)),
    Line("Cascade Platinum Dishwasher Pods", "Cascade", "Household", "dishwasher detergent",
         (("48 ct", 48, "ct", 1699),)),
    # Baby
    Line("Pampers Swaddlers Diapers Size {}", "Pampers", "Baby", "diapers",
         (("74 ct", 74, "ct", 2999),), ("1", "2", "3", "4")),
    Line("Huggies Little Snugglers Diapers Size {}", "Huggies", "Baby", "diapers",
         (("64 ct", 64, "ct", 2799),), ("1", "2", "3")),
    Line("Bayside Baby Diapers Size {}", STORE_BRAND, "Baby", "diapers, store brand",
         (("84 ct", 84, "ct", 1899),), ("3", "4")),
    Line("Pampers Sensitive Baby Wipes", "Pampers", "Baby", "wipes",
         (("336 ct", 336, "ct", 1499),)),
    Line("Similac 360 Total Care Infant Formula", "Similac", "Baby", "formula",
         (("30.8 oz", 30.8, "oz", 4999),)),
    # Personal Care
    Line("Colgate Total Whitening Toothpaste", "Colgate", "Personal Care", "toothpaste",
         (("4.8 oz", 4.8, "oz", 499),)),
    Line("Dove Beauty Bar Original", "Dove", "Personal Care", "soap",
         (("8 ct", 8, "ct", 1099),)),
    Line("Pantene Pro-V Daily Moisture Renewal Shampoo", "Pantene", "Personal Care",
         "shampoo", (("12 fl oz", 12, "fl oz", 699),)),
    Line("Advil Ibuprofen Tablets 200 mg", "Advil", "Personal Care", "pain relief",
         (("100 ct", 100, "ct", 1199),)),
    # Deli
    Line("Boar's Head Ovengold Roasted Turkey Breast", "Boar's Head", "Deli", "turkey, sliced",
         (("per lb", 1, "lb", 1399),)),
    Line("Sabra Classic Hummus", "Sabra", "Deli", "hummus, gluten-free",
         (("10 oz", 10, "oz", 449),)),
    Line("Bayside Rotisserie Chicken", STORE_BRAND, "Deli", "chicken, store brand",
         (("each", 1, "ct", 699),)),
    # Pet Supplies
    Line("Purina ONE Chicken & Rice Dry Dog Food", "Purina", "Pet Supplies", "dog food",
         (("16.5 lb", 16.5, "lb", 2999),)),
    Line("Fancy Feast Classic Pate Variety Pack", "Purina", "Pet Supplies", "cat food",
         (("12 ct", 12, "ct", 999),)),
    Line("Tidy Cats Clumping Cat Litter", "Purina", "Pet Supplies", "cat litter",
         (("20 lb", 20, "lb", 1399),)),
)

# fmt: on


@dataclass(frozen=True)
class Kind:
    """One kind of product on a shelf, e.g. potato chips, with the varieties it comes in."""

    name: str
    tags: str
    sizes: tuple[Size, ...]
    varieties: str  # "|"-separated

    def variety_names(self) -> list[str]:
        return self.varieties.split("|")


@dataclass(frozen=True)
class Shelf:
    """Word lists for one category; every brand x kind x variety x qualifier x size is a
    plausible product ("Utz Kettle Cooked Jalapeño Potato Chips 8 oz")."""

    category: str
    brands: tuple[str, ...]
    qualifiers: tuple[str, ...]
    kinds: tuple[Kind, ...]


def sizes(*entries: str) -> tuple[Size, ...]:
    """Sizes from "label/amount/unit/cents" strings, e.g. "8 oz/8/oz/449"."""
    made = []
    for entry in entries:
        label, amount, unit, cents = entry.split("/")
        made.append((label, float(amount), unit, int(cents)))
    return tuple(made)


# fmt: off
SHELVES = (
    Shelf("Beverages",
          ("Hansen's", "Olipop", "Poppi", "Spindrift", "Zevia", "Reed's", "San Pellegrino",
           "Hint", "Snapple", "Arizona", "Vita Coco", "Bayside", "Izze", "Martinelli's"),
          ("", "Zero Sugar", "Organic", "Light", "Craft"),
          (Kind("Soda", "soda",
                sizes("12 pk 12 fl oz cans/12/can/699", "8 pk 12 fl oz cans/8/can/499"),
                "Root Beer|Ginger Ale|Cola|Orange|Grape|Cream|Black Cherry|Lemon-Lime|"
                "Vintage Cola|Strawberry"),
           Kind("Sparkling Water", "sparkling water, seltzer",
                sizes("12 pk 12 fl oz cans/12/can/549"),
                "Lime|Lemon|Grapefruit|Raspberry|Mango|Black Cherry|Watermelon|Peach|Cucumber|"
                "Berry"),
           Kind("Juice", "juice", sizes("52 fl oz/52/fl oz/449"),
                "Apple|Orange|Cranberry|Grape|Pineapple|Mango|Tropical|Pomegranate|Carrot|Green"),
           Kind("Iced Tea", "tea", sizes("6 pk 16 fl oz bottles/6/ct/599"),
                "Lemon|Peach|Raspberry|Green|Sweet|Unsweetened|Half & Half|Mango|Hibiscus|Honey"),
           Kind("Sports Drink", "sports drink", sizes("6 pk 20 fl oz bottles/6/ct/649"),
                "Fruit Punch|Lemon-Lime|Orange|Glacier Freeze|Berry|Grape|Watermelon|Tropical|"
                "Cherry|Mango"),
           Kind("Lemonade", "lemonade", sizes("59 fl oz/59/fl oz/399"),
                "Classic|Pink|Strawberry|Raspberry|Mango|Peach|Blueberry|Cherry|Watermelon|Mint"))),
    Shelf("Snacks",
          ("Herr's", "Utz", "Cape Cod", "Late July", "Siete", "Boulder Canyon", "Pringles",
           "Snyder's", "Popchips", "Good Thins", "Triscuit", "Bayside", "Wise", "Hippeas"),
          ("", "Kettle Cooked", "Gluten-Free", "Family Size", "Reduced Fat"),
          (Kind("Potato Chips", "chips", sizes("8 oz/8/oz/449", "5 oz/5/oz/329"),
                "Sea Salt|Barbecue|Sour Cream & Onion|Salt & Vinegar|Jalapeño|Cheddar|Ranch|"
                "Dill Pickle|Honey BBQ|Truffle"),
           Kind("Tortilla Chips", "chips", sizes("11 oz/11/oz/479"),
                "Sea Salt|Lime|Nacho|Blue Corn|Restaurant Style|Chili Lime|Multigrain|Spicy|"
                "Yellow Corn|Hint of Lime"),
           Kind("Pretzels", "pretzels", sizes("16 oz/16/oz/429"),
                "Mini|Twists|Rods|Sourdough|Honey Mustard|Everything|Buffalo|Cheddar|Sticks|"
                "Butter"),
           Kind("Popcorn", "popcorn", sizes("6 oz/6/oz/399"),
                "Sea Salt|Butter|White Cheddar|Kettle Corn|Caramel|Olive Oil|Himalayan Salt|"
                "Jalapeño|Truffle|Cinnamon"),
           Kind("Crackers", "crackers", sizes("8.5 oz/8.5/oz/399"),
                "Original|Cracked Pepper|Rosemary|Sesame|Whole Wheat|Multigrain|Cheddar|"
                "Garlic Herb|Sea Salt|Rye"),
           Kind("Trail Mix", "nuts", sizes("26 oz/26/oz/899"),
                "Classic|Tropical|Mountain|Cranberry|Dark Chocolate|Omega-3|Sweet & Salty|Cashew|"
                "Almond|Energy"))),
    Shelf("Cereal & Breakfast",
          ("Post", "Nature's Path", "Cascadian Farm", "Barbara's", "Bear Naked", "Three Wishes",
           "Magic Spoon", "Kodiak", "Bob's Red Mill", "Malt-O-Meal", "Bayside", "Love Crunch",
           "Purely Elizabeth", "Arrowhead Mills"),
          ("", "Organic", "Gluten-Free", "High Protein", "Family Size"),
          (Kind("Granola", "cereal, granola", sizes("12 oz/12/oz/549"),
                "Honey Almond|Vanilla|Maple Pecan|Dark Chocolate|Coconut|Cinnamon|Blueberry|"
                "Peanut Butter|Original|Fruit & Nut"),
           Kind("Flakes Cereal", "cereal", sizes("14 oz/14/oz/469"),
                "Corn|Bran|Honey|Multigrain|Raisin|Almond|Berry|Cinnamon|Whole Wheat|Strawberry"),
           Kind("O's Cereal", "cereal", sizes("12 oz/12/oz/429"),
                "Honey|Original|Chocolate|Cinnamon|Fruity|Apple|Peanut Butter|Frosted|Berry|Maple"),
           Kind("Instant Oatmeal", "oatmeal", sizes("10 ct/10/ct/449"),
                "Maple Brown Sugar|Apple Cinnamon|Original|Peaches & Cream|Blueberry|Strawberry|"
                "Banana Nut|Raisin|Vanilla|Chocolate"),
           Kind("Pancake Mix", "pancakes", sizes("20 oz/20/oz/499"),
                "Buttermilk|Whole Grain|Blueberry|Chocolate Chip|Protein|Almond Flour|Cinnamon|"
                "Pumpkin|Oat|Classic"),
           Kind("Breakfast Bars", "bars", sizes("8 ct/8/ct/429"),
                "Oats & Honey|Peanut Butter|Chocolate Chip|Blueberry|Strawberry|Apple Cinnamon|"
                "Almond|Banana|Coconut|Maple"))),
    Shelf("Dairy & Eggs",
          ("Clover Sonoma", "Straus", "Organic Valley", "Tillamook", "Cabot", "Siggi's",
           "Stonyfield", "Oikos", "Kerrygold", "Challenge", "Bayside", "Darigold", "Fage",
           "Nancy's"),
          ("", "Organic", "Lactose Free", "Low Fat", "Grass-Fed"),
          (Kind("Yogurt", "yogurt", sizes("32 oz/32/oz/549", "5.3 oz/5.3/oz/159"),
                "Plain|Vanilla|Strawberry|Blueberry|Peach|Honey|Mixed Berry|Lemon|Coconut|Cherry"),
           Kind("Milk", "milk", sizes("half gal/64/fl oz/399"),
                "Whole|2% Reduced Fat|1% Low Fat|Fat Free|Chocolate|Strawberry|Vanilla|A2 Whole|"
                "Ultra-Filtered|Buttermilk"),
           Kind("Cheese Slices", "cheese", sizes("8 oz/8/oz/449"),
                "Cheddar|Swiss|Provolone|Pepper Jack|Colby Jack|Mozzarella|Havarti|Muenster|"
                "Gouda|American"),
           Kind("Cream Cheese", "cream cheese", sizes("8 oz/8/oz/329"),
                "Original|Chive & Onion|Strawberry|Garden Vegetable|Whipped|Honey Nut|Jalapeño|"
                "Salmon|Blueberry|Everything"),
           Kind("Butter", "butter", sizes("16 oz/16/oz/549"),
                "Salted|Unsalted|Cultured|European Style|Whipped|Garlic|Honey|Spreadable|"
                "Sea Salt|Irish"),
           Kind("Cottage Cheese", "cottage cheese", sizes("16 oz/16/oz/399"),
                "Small Curd|Large Curd|Whole Milk|Pineapple|Chive|Classic|Peach|Strawberry|"
                "Blueberry|Mango"))),
    Shelf("Meat & Seafood",
          ("Niman Ranch", "Mary's", "Diestel", "Coleman", "Applegate", "Aidells", "Hormel",
           "Smithfield", "Perdue", "Tyson", "Bayside", "Teton Waters", "Beeler's",
           "Petaluma Poultry"),
          ("", "Organic", "Grass-Fed", "Family Pack", "Natural"),
          (Kind("Chicken Thighs", "chicken", sizes("per lb/1/lb/399"),
                "Boneless|Bone-In|Marinated|Teriyaki|Lemon Herb|BBQ|Garlic|Cajun|Chipotle|"
                "Honey Mustard"),
           Kind("Pork Chops", "pork", sizes("per lb/1/lb/549"),
                "Boneless|Bone-In|Thick Cut|Center Cut|Herb|Smoked|Maple|Garlic|Bourbon|"
                "Peppercorn"),
           Kind("Sausages", "sausage", sizes("12 oz/12/oz/649"),
                "Italian|Chicken Apple|Bratwurst|Chorizo|Andouille|Breakfast|Spinach Feta|"
                "Kielbasa|Hot Italian|Polish"),
           Kind("Bacon", "bacon", sizes("12 oz/12/oz/699"),
                "Hickory Smoked|Applewood|Maple|Peppered|Center Cut|Thick Cut|Uncured|Turkey|"
                "Sugar Free|Jalapeño"),
           Kind("Ground Turkey", "turkey", sizes("1 lb/1/lb/599"),
                "93% Lean|99% Lean|85% Lean|Seasoned|Italian|Taco|Breakfast|Thigh|Dark Meat|"
                "White Meat"),
           Kind("Steak", "beef", sizes("per lb/1/lb/1299"),
                "Ribeye|New York Strip|Sirloin|Flank|Skirt|Tri-Tip|Filet|Chuck Eye|Flat Iron|"
                "Hanger"))),
    Shelf("Produce",
          ("Earthbound Farm", "Taylor Farms", "Cal-Organic", "Grimmway", "NatureSweet",
           "Sunkist", "Wonderful", "Mann's", "Little Leaf", "Bayside Farms", "Foxy", "Dole",
           "Organic Girl", "Lakeside"),
          ("", "Organic", "Local", "Snacking", "Value Bag"),
          (Kind("Salad", "salad, vegetables", sizes("5 oz/5/oz/399"),
                "Spring Mix|Baby Spinach|Spinach|Arugula|Kale|Butter Lettuce|Caesar|Power Greens|"
                "Romaine|Herb"),
           Kind("Tomatoes", "vegetables", sizes("1 lb/1/lb/299"),
                "Cherry|Grape|Heirloom|Roma|Campari|Cocktail|Beefsteak|Sweet|Medley|On the Vine"),
           Kind("Peppers", "vegetables", sizes("3 ct/3/ct/399"),
                "Bell|Mini Sweet|Red|Yellow|Orange|Green|Jalapeño|Poblano|Anaheim|Stoplight"),
           Kind("Citrus", "fruit", sizes("3 lb bag/3/lb/549"),
                "Navel Orange|Cara Cara|Mandarin|Meyer Lemon|Lime|Grapefruit|Blood Orange|"
                "Tangerine|Clementine|Pomelo"),
           Kind("Apples", "fruit", sizes("3 lb bag/3/lb/499"),
                "Honeycrisp|Fuji|Gala|Granny Smith|Pink Lady|Envy|Jazz|Ambrosia|Cosmic Crisp|"
                "Braeburn"),
           Kind("Vegetable Tray", "vegetables", sizes("24 oz/24/oz/799"),
                "Classic|Ranch|Hummus|Snack|Party|Garden|Crunchy|Mini|Celery Carrot|Broccoli"))),
    Shelf("Bakery & Bread",
          ("Acme", "Boudin", "Semifreddi's", "Orowheat", "Nature's Own", "Pepperidge Farm",
           "Franz", "Canyon Bakehouse", "Alvarado St.", "Sara Lee", "Bayside", "Arnold",
           "Tartine", "Grand Central"),
          ("", "Organic", "Gluten-Free", "Keto", "Thin Sliced"),
          (Kind("Sandwich Bread", "bread", sizes("24 oz/24/oz/449"),
                "Whole Wheat|Multigrain|White|Honey Wheat|Rye|Seeded|Potato|Oat|Sprouted|Flax"),
           Kind("Sourdough Loaf", "bread", sizes("24 oz/24/oz/599"),
                "Classic|Seeded|Rosemary|Olive|Walnut|Whole Wheat|Rye|Garlic|Jalapeño Cheddar|"
                "Country"),
           Kind("English Muffins", "muffins", sizes("6 ct/6/ct/399"),
                "Original|Whole Wheat|Sourdough|Cinnamon Raisin|Multigrain|Honey Wheat|Blueberry|"
                "Oat|Cranberry|Sprouted"),
           Kind("Bagels", "bagels", sizes("6 ct/6/ct/449"),
                "Plain|Everything|Sesame|Poppy Seed|Cinnamon Raisin|Onion|Blueberry|Whole Wheat|"
                "Asiago|Garlic"),
           Kind("Hamburger Buns", "buns", sizes("8 ct/8/ct/349"),
                "Classic|Brioche|Potato|Whole Wheat|Sesame|Pretzel|Onion|Multigrain|Hawaiian|"
                "Kaiser"),
           Kind("Tortillas", "tortillas", sizes("10 ct/10/ct/349"),
                "Flour|Corn|Whole Wheat|Spinach|Sun-Dried Tomato|Almond Flour|Cassava|Low Carb|"
                "Street Taco|Burrito"))),
    Shelf("Frozen",
          ("Amy's", "Stouffer's", "Marie Callender's", "Lean Cuisine", "Healthy Choice",
           "Banquet", "Talenti", "Dreyer's", "Jeni's", "Bayside", "Caulipower", "Evol",
           "Saffron Road", "Alexia"),
          ("", "Organic", "Gluten-Free", "Family Size", "Light"),
          (Kind("Pizza", "frozen pizza", sizes("20 oz/20/oz/699", "12 oz/12/oz/499"),
                "Margherita|Pepperoni|Supreme|Four Cheese|Sausage|Veggie|BBQ Chicken|Hawaiian|"
                "Mushroom|Meat Lovers"),
           Kind("Ice Cream", "ice cream", sizes("48 fl oz/48/fl oz/599"),
                "Vanilla|Chocolate|Mint Chip|Cookie Dough|Strawberry|Coffee|Rocky Road|"
                "Butter Pecan|Salted Caramel|Cookies & Cream"),
           Kind("Burritos", "burritos", sizes("6 ct/6/ct/699"),
                "Bean & Cheese|Beef & Bean|Chicken|Breakfast|Black Bean|Chile Verde|Carnitas|"
                "Veggie|Red Chile|Steak"),
           Kind("Dinner Bowl", "frozen meal", sizes("10 oz/10/oz/449"),
                "Teriyaki Chicken|Mac & Cheese|Chicken Alfredo|Burrito|Pad Thai|Tikka Masala|"
                "Lasagna|Fried Rice|Enchilada|Pot Roast"),
           Kind("Vegetables", "frozen vegetables", sizes("12 oz/12/oz/249"),
                "Broccoli|Mixed|Sweet Peas|Corn|Green Beans|Cauliflower Rice|Stir Fry|Spinach|"
                "Brussels Sprouts|Edamame"),
           Kind("Fries", "frozen potatoes", sizes("28 oz/28/oz/399"),
                "Crinkle Cut|Shoestring|Sweet Potato|Waffle|Steak|Tater Tots|Hash Browns|"
                "Seasoned|Curly|Straight Cut"))),
    Shelf("Pantry",
          ("De Cecco", "Muir Glen", "Annie's", "Goya", "Rancho Gordo", "Progresso", "Heinz",
           "Hunt's", "Mahatma", "Kikkoman", "Bayside", "Lundberg", "Bionaturae", "Amy's Kitchen"),
          ("", "Organic", "Gluten-Free", "Low Sodium", "Family Size"),
          (Kind("Pasta", "pasta", sizes("16 oz/16/oz/249"),
                "Penne|Rigatoni|Fusilli|Spaghetti|Linguine|Farfalle|Orecchiette|Rotini|Elbows|"
                "Fettuccine"),
           Kind("Pasta Sauce", "pasta sauce", sizes("24 oz/24/oz/549"),
                "Marinara|Tomato Basil|Arrabbiata|Vodka|Roasted Garlic|Puttanesca|Mushroom|"
                "Four Cheese|Alfredo|Pesto"),
           Kind("Beans", "beans", sizes("15 oz/15/oz/179"),
                "Black|Pinto|Garbanzo|Kidney|Cannellini|Refried|Navy|Great Northern|Lentils|Baked"),
           Kind("Soup", "soup", sizes("18.5 oz/18.5/oz/349"),
                "Chicken Noodle|Tomato|Minestrone|Lentil|Split Pea|Clam Chowder|Black Bean|"
                "Butternut Squash|Vegetable|Chicken Tortilla"),
           Kind("Rice", "rice", sizes("32 oz/32/oz/449"),
                "Jasmine|Basmati|Brown|Long Grain White|Arborio|Wild|Sushi|Black|Red|Calrose"),
           Kind("Salsa", "salsa", sizes("16 oz/16/oz/399"),
                "Mild|Medium|Hot|Verde|Chipotle|Roasted Tomato|Pineapple|Mango|Black Bean & Corn|"
                "Restaurant Style"))),
    Shelf("Coffee & Tea",
          ("Blue Bottle", "Ritual", "Verve", "Stumptown", "Intelligentsia", "Counter Culture",
           "Death Wish", "Kicking Horse", "Yogi", "Twinings", "Bayside", "Equal Exchange",
           "Allegro", "Bigelow"),
          ("", "Organic", "Fair Trade", "Single Origin", "Extra Bold"),
          (Kind("Ground Coffee", "coffee, ground coffee", sizes("12 oz/12/oz/1099"),
                "House Blend|French Roast|Breakfast Blend|Colombia|Ethiopia|Guatemala|Sumatra|"
                "Espresso|Decaf|Dark Roast"),
           Kind("Whole Bean Coffee", "coffee, whole bean", sizes("12 oz/12/oz/1299"),
                "House Blend|French Roast|Breakfast Blend|Colombia|Ethiopia|Guatemala|Sumatra|"
                "Espresso|Decaf|Dark Roast"),
           Kind("Coffee Pods", "coffee, coffee pods", sizes("12 ct/12/ct/999"),
                "House Blend|French Roast|Breakfast Blend|Colombia|Hazelnut|Vanilla|Caramel|"
                "Espresso|Decaf|Dark Roast"),
           Kind("Cold Brew", "coffee, cold brew", sizes("32 fl oz/32/fl oz/699"),
                "Black|Vanilla|Mocha|Caramel|Oat Milk|Unsweetened|Nitro|Espresso|Mexican Mocha|"
                "Decaf"),
           Kind("Tea Bags", "tea", sizes("20 ct/20/ct/449"),
                "Earl Grey|Green|Chamomile|Peppermint|English Breakfast|Chai|Jasmine|Rooibos|"
                "Lemon Ginger|Hibiscus"),
           Kind("Instant Coffee", "coffee", sizes("4 oz/4/oz/799"),
                "Classic|Dark Roast|Decaf|Espresso|Colombian|Vanilla|Mocha|French Roast|"
                "Medium Roast|Hazelnut"))),
    Shelf("Household",
          ("Seventh Generation", "Method", "Mrs. Meyer's", "Lysol", "Clorox", "Gain",
           "Arm & Hammer", "Scott", "Glad", "Ziploc", "Bayside", "Puracy", "Ecover", "Finish"),
          ("", "Free & Clear", "Ultra", "Concentrated", "Value Size"),
          (Kind("Laundry Detergent", "laundry detergent", sizes("64 fl oz/64/fl oz/1199"),
                "Fresh Scent|Lavender|Unscented|Ocean Breeze|Eucalyptus|Citrus|Original|"
                "Spring Meadow|Sensitive|Mountain Fresh"),
           Kind("Dish Soap", "dish soap", sizes("22 fl oz/22/fl oz/399"),
                "Lemon|Lavender|Original|Grapefruit|Basil|Green Apple|Unscented|Orange|"
                "Honeysuckle|Mint"),
           Kind("All-Purpose Cleaner", "cleaner", sizes("28 fl oz/28/fl oz/449"),
                "Lemon|Lavender|Original|Grapefruit|Basil|Lemon Verbena|Unscented|Orange|"
                "Geranium|Mint"),
           Kind("Paper Towels", "paper towels", sizes("6 rolls/6/ct/999"),
                "Regular Rolls|Double Rolls|Triple Rolls|Select-A-Size|Big Rolls|Mega Rolls|"
                "Recycled|Choose-A-Sheet|Full Sheet|Half Sheet"),
           Kind("Trash Bags", "trash bags", sizes("40 ct/40/ct/999"),
                "Tall Kitchen|Large|Small|Drawstring|Lavender|Odor Shield|Recycling|Compostable|"
                "Outdoor|Flex"),
           Kind("Laundry Pods", "laundry detergent, pods", sizes("42 ct/42/ct/1299"),
                "Fresh Scent|Lavender|Unscented|Ocean Breeze|Eucalyptus|Citrus|Original|"
                "Spring Meadow|Sensitive|Mountain Fresh"))),
    Shelf("Baby",
          ("Honest", "Hello Bello", "Babyganics", "Gerber", "Earth's Best", "Happy Baby",
           "Aveeno Baby", "Johnson's", "Luvs", "Parent's Choice", "Bayside", "Coterie",
           "Plum Organics", "Little Spoon"),
          ("", "Organic", "Club Pack", "Sensitive Skin", "Overnight"),
          (Kind("Diapers", "diapers", sizes("60 ct/60/ct/2499"),
                "Newborn|Size 1|Size 2|Size 3|Size 4|Size 5|Size 6|Size 7|Pull-Ups 2T-3T|"
                "Pull-Ups 3T-4T"),
           Kind("Baby Wipes", "wipes", sizes("216 ct/216/ct/1099"),
                "Unscented|Sensitive|Water|Cucumber|Aloe|Chamomile|Coconut|Lavender|Thick|Travel"),
           Kind("Baby Food Pouches", "baby food", sizes("4 ct/4/ct/549"),
                "Apple|Banana|Pear|Sweet Potato|Mango|Blueberry|Carrot|Pea|Spinach Apple|"
                "Strawberry Banana"),
           Kind("Baby Lotion", "lotion", sizes("13 fl oz/13/fl oz/699"),
                "Lavender|Calming|Unscented|Oatmeal|Shea|Coconut|Chamomile|Eczema|Daily|"
                "Moisturizing"),
           Kind("Baby Wash", "baby wash", sizes("13 fl oz/13/fl oz/649"),
                "Lavender|Calming|Unscented|Oatmeal|Shea|Coconut|Chamomile|Tear-Free|Daily|"
                "Bedtime"),
           Kind("Puffs", "baby snacks", sizes("1.48 oz/1.48/oz/299"),
                "Apple|Banana|Strawberry|Blueberry|Sweet Potato|Vanilla|Peach|Mango|Veggie|"
                "Cinnamon"))),
    Shelf("Personal Care",
          ("Tom's of Maine", "Burt's Bees", "Native", "Aveeno", "Neutrogena", "CeraVe",
           "Head & Shoulders", "Suave", "Olay", "Old Spice", "Bayside", "Schmidt's",
           "Dr. Bronner's", "Hello"),
          ("", "Sensitive", "Travel Size", "Men's", "Clinical"),
          (Kind("Shampoo", "shampoo", sizes("12 fl oz/12/fl oz/699"),
                "Moisturizing|Volumizing|Clarifying|Color Safe|Tea Tree|Coconut|Argan Oil|"
                "Anti-Dandruff|Curl|Strengthening"),
           Kind("Conditioner", "conditioner", sizes("12 fl oz/12/fl oz/699"),
                "Moisturizing|Volumizing|Detangling|Color Safe|Tea Tree|Coconut|Argan Oil|"
                "Leave-In|Curl|Strengthening"),
           Kind("Body Wash", "body wash, soap", sizes("18 fl oz/18/fl oz/799"),
                "Lavender|Unscented|Eucalyptus|Citrus|Coconut|Aloe|Cucumber|Rose|Mint|Sandalwood"),
           Kind("Deodorant", "deodorant", sizes("2.6 oz/2.6/oz/599"),
                "Lavender|Unscented|Eucalyptus|Citrus|Coconut|Vanilla|Cucumber|Rose|Mint|"
                "Cedarwood"),
           Kind("Toothpaste", "toothpaste", sizes("4 oz/4/oz/449"),
                "Whitening|Fresh Mint|Sensitive|Cavity Protection|Charcoal|Spearmint|Peppermint|"
                "Enamel|Kids|Fluoride-Free"),
           Kind("Lotion", "lotion", sizes("16 fl oz/16/fl oz/899"),
                "Daily Moisture|Unscented|Shea Butter|Cocoa Butter|Aloe|Oatmeal|Eczema|Coconut|"
                "Lavender|Repair"))),
    Shelf("Deli",
          ("Boar's Head", "Columbus", "Dietz & Watson", "Hillshire Farm", "Oscar Mayer",
           "Fra' Mani", "Cedar's", "Hope", "Wholly", "Creminelli", "Bayside", "Sabra",
           "Applegate", "Prima Della"),
          ("", "Organic", "Low Sodium", "Family Size", "Natural"),
          (Kind("Sliced Turkey", "turkey, sliced", sizes("8 oz/8/oz/599"),
                "Oven Roasted|Honey|Smoked|Mesquite|Peppered|Maple|Cajun|Herb|Everything|Chipotle"),
           Kind("Sliced Ham", "ham, sliced", sizes("8 oz/8/oz/549"),
                "Black Forest|Honey|Smoked|Maple|Virginia|Brown Sugar|Rosemary|Off the Bone|"
                "Tavern|Prosciutto"),
           Kind("Salami", "salami", sizes("4 oz/4/oz/599"),
                "Genoa|Calabrese|Sopressata|Finocchiona|Hard|Peppered|Toscano|Milano|Wild Boar|"
                "Chorizo"),
           Kind("Hummus", "hummus", sizes("10 oz/10/oz/449"),
                "Classic|Roasted Red Pepper|Roasted Garlic|Spicy|Lemon|Pine Nut|Everything|"
                "Jalapeño|Olive|Supremely Spicy"),
           Kind("Guacamole", "guacamole", sizes("8 oz/8/oz/549"),
                "Classic|Spicy|Chunky|Mild|Pico|Mango|Roasted Garlic|Lime|Jalapeño|Homestyle"),
           Kind("Salad", "salad", sizes("16 oz/16/oz/699"),
                "Pasta|Potato|Coleslaw|Chicken|Egg|Tuna|Quinoa|Greek|Macaroni|Broccoli"))),
    Shelf("Pet Supplies",
          ("Blue Buffalo", "Hill's Science Diet", "Iams", "Pedigree", "Friskies", "Wellness",
           "Nutro", "Rachael Ray Nutrish", "Greenies", "Fresh Step", "Bayside", "Instinct",
           "Merrick", "Taste of the Wild"),
          ("", "Grain-Free", "Value Size", "Healthy Weight", "Sensitive Stomach"),
          (Kind("Dry Dog Food", "dog food", sizes("15 lb/15/lb/3299"),
                "Chicken|Salmon|Beef|Lamb|Turkey|Duck|Bison|Chicken & Rice|Puppy|Senior"),
           Kind("Wet Dog Food", "dog food", sizes("12 ct/12/ct/1899"),
                "Chicken|Salmon|Beef|Lamb|Turkey|Duck|Stew|Chicken & Rice|Puppy|Senior"),
           Kind("Dry Cat Food", "cat food", sizes("7 lb/7/lb/1999"),
                "Chicken|Salmon|Whitefish|Tuna|Turkey|Duck|Indoor|Hairball|Kitten|Senior"),
           Kind("Wet Cat Food", "cat food", sizes("12 ct/12/ct/1199"),
                "Chicken|Salmon|Whitefish|Tuna|Turkey|Duck|Pate|Shreds|Kitten|Senior"),
           Kind("Dog Treats", "dog treats", sizes("16 oz/16/oz/899"),
                "Chicken|Peanut Butter|Bacon|Beef|Sweet Potato|Dental|Jerky|Biscuits|Training|"
                "Salmon"),
           Kind("Cat Litter", "cat litter", sizes("20 lb/20/lb/1499"),
                "Clumping|Unscented|Lightweight|Multi-Cat|Odor Control|Clay|Pine|Corn|Walnut|"
                "Crystal"))),
)
# fmt: on
