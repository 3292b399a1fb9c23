"""Chats as the command line names and lists them."""
