"""The public directory of municipal units (/direcciones): what each unit does, the requests it
handles with their targets, where and when to find it, and "¿quién ve esto?" search."""
