/* The HTML bulletin: one self-contained page (no script, no external
 * resource) with the Markdown's tables and inline SVG charts — on-time and
 * satisfaction rates by division, and the month-by-month trend lines. The
 * page is polyglot markup: well-formed XML as well as HTML, so `xmllint
 * --noout` checks it strictly (libxml2's HTML 4 parser does not know the SVG
 * element names and only notes them). Every text is escaped. */
#include "bulletin_render.h"

#include <stdlib.h>
#include <string.h>

#define F(v) bulletin_render_fmt((v), b1, sizeof(b1))
#define P(v) bulletin_render_pct((v), b2, sizeof(b2))
#define AT(o, path) bulletin_render_at((o), (path))

#define CHART_W 880
#define CHART_H 320
#define PLOT_L 48  /* left margin: the percent axis */
#define PLOT_T 36  /* top margin: the legend */
#define PLOT_B 110 /* bottom margin: rotated division names */
#define COLOR_A "#2b6cb0"
#define COLOR_B "#dd6b20"
#define COLOR_C "#2f855a"

static void s_esc(FILE *f, const char *s)
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

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* y of a percent value in the plot area. */
static double s_y(double pct)
{
    return PLOT_T + (CHART_H - PLOT_T - PLOT_B) * (1.0 - pct / 100.0);
}

static void s_axes(FILE *f, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" role=\"img\" font-size=\"12\"><title>",
            CHART_W, CHART_H, CHART_W, CHART_H);
    s_esc(f, title);
    fputs("</title>\n", f);
    for (int pct = 0; pct <= 100; pct += 20) {
        double y = s_y(pct);
        fprintf(f,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>\n",
                PLOT_L, y, CHART_W - 10, y, PLOT_L - 6, y + 4, pct);
    }
}

static void s_legend(FILE *f, int i, const char *color, const char *label)
{
    fprintf(f,
            "<rect x=\"%d\" y=\"10\" width=\"12\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"%d\" y=\"21\">%s</text>\n",
            PLOT_L + i * 140, color, PLOT_L + i * 140 + 16, label);
}

static bool s_rated(json_t *o)
{
    return json_is_number(AT(o, "ontime.rate")) || json_is_number(AT(o, "satisfaction.rate"));
}

/* Grouped bars: on-time and satisfaction rate of each division that has
 * either; a rate that is n/a gets no bar and the words 无数据. */
static void s_bars(FILE *f, json_t *all)
{
    json_t *divisions = json_array();
    size_t i, n;
    json_t *o;
    json_array_foreach(all, i, o) if (s_rated(o)) json_array_append(divisions, o);
    n = json_array_size(divisions);
    if (n == 0) {
        fputs("<p>本期各处室均无按时办结率和满意率（n/a），不作图。</p>\n", f);
        json_decref(divisions);
        return;
    }
    s_axes(f, "各处室按时办结率与满意率");
    s_legend(f, 0, COLOR_A, "按时办结率");
    s_legend(f, 1, COLOR_B, "满意率");
    /* 120 px on the right for the slanted name of the last division. */
    double slot = (double)(CHART_W - 120 - PLOT_L) / (double)n;
    double bar = slot * 0.35;
    json_array_foreach(divisions, i, o)
    {
        double x = PLOT_L + slot * (double)i + slot * 0.15;
        json_t *rates[2] = {AT(o, "ontime.rate"), AT(o, "satisfaction.rate")};
        const char *colors[2] = {COLOR_A, COLOR_B};
        for (int k = 0; k < 2; k++) {
            double bx = x + bar * k;
            if (json_is_number(rates[k])) {
                double v = json_number_value(rates[k]);
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        "fill=\"%s\"><title>%.1f%%</title></rect>\n",
                        bx, s_y(v), bar, s_y(0) - s_y(v), colors[k], v);
            } else {
                fprintf(f,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#999\" "
                        "writing-mode=\"tb\">无数据</text>\n",
                        bx + bar / 2, s_y(0) - 40);
            }
        }
        double lx = x + bar, ly = s_y(0) + 14;
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"start\" "
                "transform=\"rotate(30 %.1f %.1f)\">",
                lx - bar, ly, lx - bar, ly);
        s_esc(f, s_str(o, "name"));
        fputs("</text>\n", f);
    }
    fputs("</svg>\n<p>图中只列有按时办结率或满意率的处室。</p>\n", f);
    json_decref(divisions);
}

/* One line per rate over the months; a month with n/a breaks the line. */
static void s_line(FILE *f, json_t *trend, const char *key, const char *color)
{
    size_t n = json_array_size(trend);
    double slot = (double)(CHART_W - 10 - PLOT_L) / (double)n;
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_array_get(trend, i), key);
        double x = PLOT_L + slot * ((double)i + 0.5);
        if (!json_is_number(v)) {
            if (open)
                fputs("\"/>\n", f);
            open = false;
            continue;
        }
        if (!open)
            fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
        fprintf(f, "%s%.1f,%.1f", open ? " " : "", x, s_y(json_number_value(v)));
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
                    PLOT_L + slot * ((double)i + 0.5), s_y(json_number_value(v)), color,
                    json_number_value(v));
    }
}

static void s_trend_chart(FILE *f, json_t *trend)
{
    size_t n = json_array_size(trend);
    if (n < 2)
        return;
    s_axes(f, "逐月趋势：按时响应率、按时办结率、满意率");
    s_legend(f, 0, COLOR_C, "按时响应率");
    s_legend(f, 1, COLOR_A, "按时办结率");
    s_legend(f, 2, COLOR_B, "满意率");
    s_line(f, trend, "response_rate", COLOR_C);
    s_line(f, trend, "ontime_rate", COLOR_A);
    s_line(f, trend, "satisfaction_rate", COLOR_B);
    double slot = (double)(CHART_W - 10 - PLOT_L) / (double)n;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                PLOT_L + slot * ((double)i + 0.5), s_y(0) + 18,
                s_str(json_array_get(trend, i), "month"));
    fputs("</svg>\n", f);
}

/* A table of rows from a list: each column a label and a path; pct columns
 * get a percent sign. */
typedef struct {
    const char *label, *path;
    bool pct;
} column_t;

static void s_table(FILE *f, json_t *list, const column_t *cols, size_t ncols)
{
    char b1[64], b2[64];
    fputs("<table>\n<thead><tr>", f);
    for (size_t c = 0; c < ncols; c++) {
        fputs("<th>", f);
        s_esc(f, cols[c].label);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        fputs("<tr>", f);
        for (size_t c = 0; c < ncols; c++) {
            json_t *v = AT(o, cols[c].path);
            fputs(json_is_string(v) ? "<td>" : "<td class=\"n\">", f);
            s_esc(f, cols[c].pct ? P(v) : F(v));
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static const column_t s_division_cols[] = {
    {"处室", "name", false},
    {"受理", "received", false},
    {"应响应", "response.due", false},
    {"按时响应率", "response.rate", true},
    {"应办结", "ontime.due", false},
    {"按时办结率", "ontime.rate", true},
    {"超期未办结", "overdue_open", false},
    {"超期工作日", "overdue_days", false},
    {"平均办理工作日", "avg_handling_days", false},
    {"退回", "returns", false},
    {"仲裁", "arbitrated", false},
    {"无理退回", "groundless_returns", false},
    {"重新办理", "reopened", false},
    {"延期", "extensions", false},
    {"回访", "satisfaction.callbacks", false},
    {"满意率", "satisfaction.rate", true},
    {"预警", "alerts.warning", false},
    {"1级告警", "alerts.level_1", false},
    {"2级督办", "alerts.level_2", false},
    {"3级督办", "alerts.level_3", false},
    {"问责建议", "rung_name", false},
    {"得分", "score", false},
    {"等级", "grade", false},
    {"排名", "rank", false},
};

static const column_t s_overdue_cols[] = {
    {"案件编号", "case_number", false},
    {"处室", "name", false},
    {"办结期限", "completion_due", false},
    {"超期工作日", "working_days_over", false},
};

static const column_t s_change_cols[] = {
    {"处室", "name", false},
    {"受理增减", "change.received", false},
    {"按时响应率（百分点）", "change.response_rate", false},
    {"按时办结率（百分点）", "change.ontime_rate", false},
    {"满意率（百分点）", "change.satisfaction_rate", false},
    {"得分增减", "change.score", false},
    {"上期等级", "change.grade_before", false},
    {"上期排名", "change.rank_before", false},
};

static const column_t s_trend_cols[] = {
    {"月份", "month", false},
    {"受理", "received", false},
    {"按时响应率", "response_rate", true},
    {"按时办结率", "ontime_rate", true},
    {"满意率", "satisfaction_rate", true},
    {"平均办理工作日", "avg_handling_days", false},
    {"月末超期未办结", "overdue_open", false},
};

static const column_t s_sample_cols[] = {
    {"处室", "name", false},
    {"本月办结", "closed", false},
    {"抽查", "drawn", false},
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static void s_h2(FILE *f, const char *text)
{
    fputs("<h2>", f);
    s_esc(f, text);
    fputs("</h2>\n", f);
}

static void s_sample(FILE *f, json_t *sample)
{
    s_h2(f, "回头看抽查");
    fputs("<p>按各处室本月办结案件的比例抽取（向上取整，有办结即至少 1 件），以期间标识为种子，"
          "同一期间抽取结果相同；抽中案件转督查室复查，不合格的重新交办。</p>\n",
          f);
    s_table(f, json_object_get(sample, "divisions"), s_sample_cols, NCOLS(s_sample_cols));
    size_t i, j;
    json_t *o, *c;
    fputs("<ul>\n", f);
    json_array_foreach(json_object_get(sample, "divisions"), i, o)
    {
        fputs("<li>", f);
        s_esc(f, s_str(o, "name"));
        fputs("：", f);
        json_array_foreach(json_object_get(o, "cases"), j, c)
        {
            fputs(j ? "、" : "", f);
            s_esc(f, json_string_value(c));
        }
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

char *bulletin_render_html(json_t *r, const char *digest)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"zh-CN\" "
          "xml:lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>",
          f);
    s_esc(f, s_str(r, "title"));
    fputs("</title>\n<style>body{font-family:sans-serif;margin:2em;color:#222}"
          "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
          "th,td{border:1px solid #ccc;padding:3px 6px}th{background:#f2f2f2}"
          "td.n{text-align:right}svg{display:block;margin:1em 0}</style>\n</head>\n<body>\n<h1>",
          f);
    s_esc(f, s_str(r, "title"));
    fputs("</h1>\n<p>期间：", f);
    s_esc(f, s_str(r, "from"));
    fputs(" 至 ", f);
    s_esc(f, s_str(r, "to"));
    fprintf(f,
            "（工作日 %lld 天）。主办任务计入各处室，协办单列；列入监控名单的案件不计入；"
            "分母为零的比率记 n/a。记录编号（SHA-256）：<code>",
            (long long)json_integer_value(json_object_get(r, "working_days")));
    s_esc(f, digest);
    fputs("</code></p>\n", f);
    s_h2(f, "总体情况（主办）");
    json_t *totals = json_array();
    json_t *now = json_deep_copy(json_object_get(r, "totals"));
    json_object_set_new(now, "name", json_string("本期"));
    json_t *before = json_deep_copy(AT(r, "previous.totals"));
    json_object_set_new(before, "name",
                        json_string(s_str(json_object_get(r, "previous"), "title")));
    json_array_append_new(totals, now);
    json_array_append_new(totals, before);
    s_table(f, totals, s_division_cols, NCOLS(s_division_cols) - 3);
    json_decref(totals);
    s_h2(f, "各处室情况（主办）");
    s_bars(f, json_object_get(r, "divisions"));
    s_table(f, json_object_get(r, "divisions"), s_division_cols, NCOLS(s_division_cols));
    s_h2(f, "与上期比较");
    s_table(f, json_object_get(r, "divisions"), s_change_cols, NCOLS(s_change_cols));
    s_h2(f, "超期未办结案件点名");
    s_table(f, json_object_get(r, "overdue"), s_overdue_cols, NCOLS(s_overdue_cols));
    s_h2(f, "协办情况");
    s_table(f, AT(r, "co_handling.divisions"), s_division_cols, NCOLS(s_division_cols) - 3);
    if (json_array_size(json_object_get(r, "trend")) > 1) {
        s_h2(f, "逐月趋势");
        s_trend_chart(f, json_object_get(r, "trend"));
        s_table(f, json_object_get(r, "trend"), s_trend_cols, NCOLS(s_trend_cols));
    }
    if (json_object_get(r, "sample"))
        s_sample(f, json_object_get(r, "sample"));
    fputs("<p>指标定义与评分办法见 deploy/bulletin/README.md。</p>\n</body>\n</html>\n", f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
