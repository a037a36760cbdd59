/* A bulletin as PDF: its HTML page printed by headless Chromium (Debian's
 * chromium), through the page's print style sheet (A4, no boxes). Chromium
 * runs as a child process, in a profile folder of its own that is removed
 * afterwards; this blocks until it is done, so it is for dubanctl (bulletin
 * pdf), never the service's event loop. The PDF is a rendering, not the
 * record: it carries its creation time and is not the same bytes twice. */
#ifndef DUBAN_BULLETIN_PDF_H
#define DUBAN_BULLETIN_PDF_H

/* Prints html_path (an absolute path) to pdf_path (written through a
 * temporary file renamed into place) with the program chromium (found on
 * PATH when it has no slash), waiting at most timeout_s seconds. Returns 0,
 * or -1 with the reason logged (no such program, it failed, it timed out). */
int bulletin_pdf_write(const char *chromium, const char *html_path, const char *pdf_path,
                       int timeout_s);

#endif
