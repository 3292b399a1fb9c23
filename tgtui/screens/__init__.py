"""Screens: UI only. They borrow the app's client through services and never speak MTProto."""
