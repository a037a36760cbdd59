/* The HTML bulletin's charts, inline SVG drawn at a width a phone shows
 * whole (a viewBox 420 units wide, scaled to the page, never above 640 px):
 * the on-time and satisfaction rates of each division as horizontal bars
 * (one row per division, its name on the left), and the month-by-month
 * trend of the three rates as lines. A rate that is n/a draws no bar and no
 * point; its row says "—". Every text is escaped. */
#include "bulletin_render.h"

#include <stdlib.h>
#include <string.h>

#define VB_W 420
#define LABEL_W 150 /* division names, right-aligned to it */
#define ROW_H 32
#define TOP 34 /* the legend */
#define COLOR_A "#1f5fa8"
#define COLOR_B "#d9731a"
#define COLOR_C "#2f855a"

void bulletin_svg_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void s_open(FILE *f, int height, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
            "height=\"%d\" role=\"img\" font-size=\"13\" "
            "font-family=\"WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif\"><title>",
            VB_W, height, VB_W, height);
    bulletin_svg_esc(f, title);
    fputs("</title>\n", f);
}

static void s_legend(FILE *f, int i, const char *color, const char *label)
{
    fprintf(f,
            "<rect x=\"%d\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"%d\" y=\"19\">%s</text>\n",
            LABEL_W + i * 120, color, LABEL_W + i * 120 + 16, label);
}

static bool s_rated(json_t *o)
{
    return json_is_number(bulletin_render_at(o, "ontime.rate")) ||
           json_is_number(bulletin_render_at(o, "satisfaction.rate"));
}

void bulletin_svg_bars(FILE *f, json_t *divisions)
{
    size_t i, n = 0;
    json_t *o;
    json_array_foreach(divisions, i, o) n += s_rated(o);
    if (n == 0) {
        fputs("<p>本期各处室均无按时办结率和满意率（—），不作图。</p>\n", f);
        return;
    }
    int height = TOP + (int)n * ROW_H + 24;
    double plot = VB_W - LABEL_W - 46; /* room for "100.0%" after a full bar */
    s_open(f, height, "各处室按时办结率与满意率");
    s_legend(f, 0, COLOR_A, "按时办结率");
    s_legend(f, 1, COLOR_B, "满意率");
    for (int pct = 0; pct <= 100; pct += 50) {
        double x = LABEL_W + plot * pct / 100.0;
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%d%%</text>\n",
                x, TOP - 4, x, height - 18, x, height - 4, pct);
    }
    int row = 0;
    json_array_foreach(divisions, i, o)
    {
        if (!s_rated(o))
            continue;
        int y = TOP + row++ * ROW_H;
        char name[128];
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y + 17);
        bulletin_svg_esc(f, bulletin_render_short_name(json_string_value(json_object_get(o, "name")),
                                                       name, sizeof(name)));
        fputs("</text>\n", f);
        json_t *rates[2] = {bulletin_render_at(o, "ontime.rate"),
                            bulletin_render_at(o, "satisfaction.rate")};
        const char *colors[2] = {COLOR_A, COLOR_B};
        for (int k = 0; k < 2; k++) {
            int by = y + 3 + k * 12;
            if (!json_is_number(rates[k])) {
                fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#888\">—</text>\n",
                        LABEL_W + 2, by + 10);
                continue;
            }
            double v = json_number_value(rates[k]);
            double w = plot * v / 100.0;
            fprintf(f,
                    "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"10\" fill=\"%s\">"
                    "<title>%.1f%%</title></rect>"
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#333\">%.1f%%</text>\n",
                    LABEL_W, by, w > 0 ? w : 0.5, colors[k], v, LABEL_W + w + 3, by + 9, v);
        }
    }
    fputs("</svg>\n", f);
}

/* One rate over the months; a month with n/a breaks the line. */
static void s_line(FILE *f, json_t *trend, const char *key, const char *color, double x0,
                   double slot, int top, double h)
{
    size_t n = json_array_size(trend);
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_array_get(trend, i), key);
        double x = x0 + slot * ((double)i + 0.5);
        if (!json_is_number(v)) {
            if (open)
                fputs("\"/>\n", f);
            open = false;
            continue;
        }
        if (!open)
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                    color);
        fprintf(f, "%s%.1f,%.1f", open ? " " : "", x, top + h * (1 - json_number_value(v) / 100));
        open = true;
    }
    if (open)
        fputs("\"/>\n", f);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_array_get(trend, i), key);
        if (json_is_number(v))
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%.1f%%</title>"
                    "</circle>\n",
                    x0 + slot * ((double)i + 0.5), top + h * (1 - json_number_value(v) / 100),
                    color, json_number_value(v));
    }
}

void bulletin_svg_trend(FILE *f, json_t *trend)
{
    size_t n = json_array_size(trend);
    if (n < 2)
        return;
    const int height = 230, top = TOP + 6, bottom = 28;
    const double x0 = 40, plot_w = VB_W - x0 - 8, h = height - top - bottom;
    s_open(f, height, "逐月趋势：按时响应率、按时办结率、满意率");
    fprintf(f,
            "<rect x=\"8\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"24\" y=\"19\">按时响应率</text>"
            "<rect x=\"148\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"164\" y=\"19\">按时办结率</text>"
            "<rect x=\"288\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"304\" y=\"19\">满意率</text>\n",
            COLOR_C, COLOR_A, COLOR_B);
    for (int pct = 0; pct <= 100; pct += 25) {
        double y = top + h * (1 - pct / 100.0);
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">%d%%</text>\n",
                x0, y, VB_W - 8, y, x0 - 4, y + 4, pct);
    }
    double slot = plot_w / (double)n;
    s_line(f, trend, "response_rate", COLOR_C, x0, slot, top, h);
    s_line(f, trend, "ontime_rate", COLOR_A, x0, slot, top, h);
    s_line(f, trend, "satisfaction_rate", COLOR_B, x0, slot, top, h);
    for (size_t i = 0; i < n; i++) {
        const char *month = json_string_value(json_object_get(json_array_get(trend, i), "month"));
        int m = month && strlen(month) == 7 ? atoi(month + 5) : 0;
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d月</text>\n",
                x0 + slot * ((double)i + 0.5), height - 8, m);
    }
    fputs("</svg>\n", f);
}
