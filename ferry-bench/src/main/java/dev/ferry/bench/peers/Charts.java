package dev.ferry.bench.peers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** PNG charts drawn with Java2D: lines over a (log or linear) numeric x axis, and bars. Headless. */
final class Charts {
    static final int WIDTH = 900;
    static final int HEIGHT = 520;
    private static final int LEFT = 90;
    private static final int RIGHT = 190;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final Color[] PALETTE = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
            new Color(0xFF7F0E), new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
            new Color(0x17BECF)};

    /** A named series of (x, y) points. */
    record Series(String name, List<double[]> points) {
    }

    private Charts() {
    }

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A line chart; with {@code logX}/{@code logY} the axis is logarithmic (values must be positive). */
    static void lines(Path file, String title, String xLabel, String yLabel, List<Series> series, boolean logX,
            boolean logY) throws IOException {
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points()) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                minY = Math.min(minY, p[1]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        if (minX > maxX) {
            minX = 1;
            maxX = 10;
            minY = 1;
            maxY = 10;
        }
        if (!logY) {
            minY = 0;
        }
        Axis x = new Axis(minX, maxX, logX);
        Axis y = new Axis(minY, maxY * (logY ? 1.5 : 1.1), logY);
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame(image, title, xLabel, yLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double t : x.ticks()) {
            int px = LEFT + (int) (x.fraction(t) * plotW);
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(px, TOP, px, TOP + plotH);
            g.setColor(Color.DARK_GRAY);
            String label = human(t);
            g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 16);
        }
        for (double t : y.ticks()) {
            int py = TOP + plotH - (int) (y.fraction(t) * plotH);
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(LEFT, py, LEFT + plotW, py);
            g.setColor(Color.DARK_GRAY);
            String label = human(t);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py + 4);
        }
        int i = 0;
        for (Series s : series) {
            Color c = PALETTE[i % PALETTE.length];
            g.setColor(c);
            g.setStroke(new BasicStroke(2.2f));
            int[] prev = null;
            for (double[] p : s.points()) {
                int px = LEFT + (int) (x.fraction(p[0]) * plotW);
                int py = TOP + plotH - (int) (y.fraction(p[1]) * plotH);
                g.fillOval(px - 4, py - 4, 8, 8);
                if (prev != null) {
                    g.drawLine(prev[0], prev[1], px, py);
                }
                prev = new int[] {px, py};
            }
            legend(g, i, s.name(), c);
            i++;
        }
        write(image, g, file);
    }

    /** A bar chart of one value per name. */
    static void bars(Path file, String title, String yLabel, Map<String, Double> values) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame(image, title, "", yLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        double max = values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        Axis y = new Axis(0, max * 1.15, false);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double t : y.ticks()) {
            int py = TOP + plotH - (int) (y.fraction(t) * plotH);
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(LEFT, py, LEFT + plotW, py);
            g.setColor(Color.DARK_GRAY);
            String label = human(t);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py + 4);
        }
        int n = Math.max(1, values.size());
        int slot = plotW / n;
        int i = 0;
        for (Map.Entry<String, Double> e : values.entrySet()) {
            int h = (int) (y.fraction(e.getValue()) * plotH);
            int px = LEFT + i * slot + slot / 6;
            Color c = PALETTE[i % PALETTE.length];
            g.setColor(c);
            g.fillRect(px, TOP + plotH - h, slot * 2 / 3, h);
            g.setColor(Color.BLACK);
            String v = human(e.getValue());
            g.drawString(v, px + (slot * 2 / 3 - g.getFontMetrics().stringWidth(v)) / 2, TOP + plotH - h - 4);
            String name = e.getKey();
            g.drawString(name, px + (slot * 2 / 3 - g.getFontMetrics().stringWidth(name)) / 2, TOP + plotH + 16);
            i++;
        }
        write(image, g, file);
    }

    private static Graphics2D frame(BufferedImage image, String title, String xLabel, String yLabel) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        g.drawString(xLabel, LEFT + (WIDTH - LEFT - RIGHT - fm.stringWidth(xLabel)) / 2, HEIGHT - 18);
        Graphics2D v = (Graphics2D) g.create();
        v.rotate(-Math.PI / 2);
        v.drawString(yLabel, -(TOP + (HEIGHT - TOP - BOTTOM + fm.stringWidth(yLabel)) / 2), 22);
        v.dispose();
        g.setColor(Color.GRAY);
        g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        return g;
    }

    private static void legend(Graphics2D g, int i, String name, Color c) {
        int lx = WIDTH - RIGHT + 15;
        int ly = TOP + 10 + i * 20;
        g.setColor(c);
        g.fillRect(lx, ly - 9, 14, 10);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(name, lx + 20, ly);
    }

    private static void write(BufferedImage image, Graphics2D g, Path file) throws IOException {
        g.dispose();
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }

    static String human(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : Math.abs(v) >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
        return s;
    }

    /** A numeric axis, linear or logarithmic, with round ticks. */
    private record Axis(double min, double max, boolean log) {
        Axis {
            if (log) {
                min = Math.max(min, 1e-3);
                max = Math.max(max, min * 10);
            } else if (max <= min) {
                max = min + 1;
            }
        }

        double fraction(double v) {
            if (log) {
                double lo = Math.log10(Math.pow(10, Math.floor(Math.log10(min))));
                double hi = Math.log10(max);
                return (Math.log10(Math.max(v, 1e-9)) - lo) / (hi - lo);
            }
            return (v - min) / (max - min);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                for (double d = Math.pow(10, Math.floor(Math.log10(min))); d <= max; d *= 10) {
                    t.add(d);
                }
                return t;
            }
            double step = Math.pow(10, Math.floor(Math.log10((max - min) / 5)));
            if ((max - min) / step > 10) {
                step *= 2;
            }
            if ((max - min) / step > 10) {
                step *= 2.5;
            }
            for (double d = Math.ceil(min / step) * step; d <= max; d += step) {
                t.add(d);
            }
            return t;
        }
    }

    /** Keeps the insertion order of names: a small convenience for callers building bar values. */
    static Map<String, Double> ordered() {
        return new LinkedHashMap<>();
    }
}
