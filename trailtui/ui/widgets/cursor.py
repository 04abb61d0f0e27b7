"""Keyboard movement shared by the Line-API widgets (the event table and the detail view).

Both draw a fixed header on line 0 and a list of items under it, one per line, with a cursor on one item.
:class:`CursorKeys` gives them the same movement: next/previous, a page, first/last, keeping the cursor in
view. A widget provides ``_cursor``, ``_cursor_count()`` and ``move_cursor(index)`` (which clamps, redraws
and calls :meth:`_keep_in_view`).
"""

from __future__ import annotations


class CursorKeys:
    """Mixin for a ``ScrollView`` with a header line and a cursor over items (see the module docstring)."""

    _cursor: int

    def _cursor_count(self) -> int:
        raise NotImplementedError

    def move_cursor(self, index: int) -> None:
        raise NotImplementedError

    def _page(self) -> int:
        """Items on one screen (the header line excluded)."""
        return max(1, self.scrollable_content_region.height - 1)  # type: ignore[attr-defined]

    def _keep_in_view(self) -> None:
        """Scroll the least that shows the cursor's item."""
        page = self._page()
        top = round(self.scroll_y)  # type: ignore[attr-defined]
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False)  # type: ignore[attr-defined]
        elif self._cursor > top + page - 1:
            self.scroll_to(y=self._cursor - page + 1, animate=False)  # type: ignore[attr-defined]

    def action_cursor_down(self) -> None:
        """Move to the next item."""
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        """Move to the previous item."""
        self.move_cursor(self._cursor - 1)

    def action_page_down(self) -> None:
        """Move one page down, keeping the cursor on the same screen line."""
        page = self._page()
        self.scroll_to(y=round(self.scroll_y) + page, animate=False)  # type: ignore[attr-defined]
        self.move_cursor(self._cursor + page)

    def action_page_up(self) -> None:
        """Move one page up, keeping the cursor on the same screen line."""
        page = self._page()
        self.scroll_to(y=max(0, round(self.scroll_y) - page), animate=False)  # type: ignore[attr-defined]
        self.move_cursor(self._cursor - page)

    def action_first(self) -> None:
        """Move to the first item."""
        self.move_cursor(0)

    def action_last(self) -> None:
        """Move to the last item."""
        self.move_cursor(self._cursor_count() - 1)
