package dev.cryptopipe.local.bench;

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
import java.util.List;
import javax.imageio.ImageIO;

/** report.png: one bar panel per part of the bench, drawn with Java 2D (headless). */
final class Chart {
    private static final int WIDTH = 1500;
    private static final int HEIGHT = 900;
    private static final Color PIPELINE = new Color(0x2E7D32);
    private static final Color BASELINE = new Color(0x9E9E9E);
    private static final Color LIMIT = new Color(0x1565C0);
    private static final Color TARGET = new Color(0xC62828);

    /** One bar: a label under it, a value and its colour. */
    private record Bar(String label, double value, String text, Color color) {
    }

    private Chart() {
    }

    static void draw(Report report, Path file) throws IOException {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int w = WIDTH / 3;
            int h = (HEIGHT - 40) / 2;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString("cryptopipe bench — " + report.machineFacts().get("nproc") + " CPUs, " + report.machineFacts().get("cpu")
                    + "    grey: first design · green: pipeline, seal · blue: open, jar · red: target", 20, 28);

            panel(g, 0, 40, w, h, "1. Throughput (records/s)", List.of(
                    new Bar("first design", report.first.recordsPerSecond(), Report.format("%,.0f", report.first.recordsPerSecond()), BASELINE),
                    new Bar("pipeline", report.pipeline.recordsPerSecond(), Report.format("%,.0f", report.pipeline.recordsPerSecond()), PIPELINE),
                    new Bar("5× first", 5 * report.first.recordsPerSecond(), "target", TARGET)), -1);

            List<Bar> calls = new ArrayList<>();
            for (String[] service : new String[][]{{"Kms", "KMS"}, {"DynamoDb", "Dynamo"}, {"Sqs", "SQS"}, {"EventBridge", "Events"}}) {
                double firstCalls = report.first.callsPerThousand(service[0]);
                double pipelineCalls = report.pipeline.callsPerThousand(service[0]);
                calls.add(new Bar(service[1] + " first", firstCalls, Report.format("%.0f", firstCalls), BASELINE));
                calls.add(new Bar(service[1] + " pipeline", pipelineCalls,
                        Report.format(pipelineCalls < 10 ? "%.1f" : "%.0f", pipelineCalls), PIPELINE));
            }
            panel(g, w, 40, w, h, "2. AWS calls per 1,000 records", calls, -1);

            List<Bar> crypto = new ArrayList<>();
            for (CryptoBench.Row row : report.crypto) {
                crypto.add(new Bar("seal " + Report.size(row.bytes()), row.sealRatio(), Report.format("%.1f×", row.sealRatio()), PIPELINE));
                crypto.add(new Bar("open " + Report.size(row.bytes()), row.openRatio(), Report.format("%.1f×", row.openRatio()), LIMIT));
            }
            panel(g, 2 * w, 40, w, h, "3. Crypto, time ÷ bare AES-256-GCM (target ≤ 3×)", crypto, Report.SEAL_RATIO_TARGET);

            List<Bar> cold = new ArrayList<>();
            for (ColdStartBench.Function function : report.cold) {
                cold.add(new Bar(function.name(), function.medianWallMs(), function.medianWallMs() + " ms", PIPELINE));
            }
            panel(g, 0, 40 + h, w, h, "4. Cold start, median (ms; target ≤ 1000)", cold, Report.COLD_START_TARGET_MS);

            List<Bar> jars = new ArrayList<>();
            for (ColdStartBench.Function function : report.cold) {
                jars.add(new Bar(function.name(), function.jarBytes() / 1e6, Report.format("%.1f MB", function.jarBytes() / 1e6), LIMIT));
            }
            panel(g, w, 40 + h, w, h, "4. Function jar size (MB; target ≤ 10)", jars, Report.JAR_TARGET_BYTES / 1e6);

            DecryptLatencyBench.Result latency = report.latency;
            panel(g, 2 * w, 40 + h, w, h, "5. Decrypt latency (ms)", List.of(
                    new Bar("GetItem p50", latency.getItemP50(), Report.format("%.2f", latency.getItemP50()), BASELINE),
                    new Bar("decrypt p50", latency.decryptP50(), Report.format("%.2f", latency.decryptP50()), PIPELINE),
                    new Bar("GetItem p99", latency.getItemP99(), Report.format("%.2f", latency.getItemP99()), BASELINE),
                    new Bar("decrypt p99", latency.decryptP99(), Report.format("%.2f", latency.decryptP99()), PIPELINE),
                    new Bar("1.5× GetItem p99", 1.5 * latency.getItemP99(), "target", TARGET)), -1);
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    /** Bars scaled to the panel; {@code line} draws a dashed target line at that value (negative for none). */
    private static void panel(Graphics2D g, int x, int y, int w, int h, String title, List<Bar> bars, double line) {
        int left = x + 50;
        int right = x + w - 20;
        int top = y + 50;
        int bottom = y + h - 60;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, x + 20, y + 25);
        double max = Math.max(line, bars.stream().mapToDouble(Bar::value).max().orElse(1));
        max = max <= 0 ? 1 : max * 1.15;
        g.setColor(Color.GRAY);
        g.drawLine(left, bottom, right, bottom);
        g.drawLine(left, top, left, bottom);
        int slot = (right - left) / Math.max(1, bars.size());
        int barWidth = Math.max(8, slot * 3 / 5);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics metrics = g.getFontMetrics();
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int barHeight = (int) Math.round((bottom - top) * bar.value() / max);
            int bx = left + i * slot + (slot - barWidth) / 2;
            g.setColor(bar.color());
            g.fillRect(bx, bottom - barHeight, barWidth, barHeight);
            g.setColor(Color.BLACK);
            g.drawString(bar.text(), bx + (barWidth - metrics.stringWidth(bar.text())) / 2, bottom - barHeight - 4);
            String[] words = bar.label().split(" ", 2);
            for (int k = 0; k < words.length; k++) {
                g.drawString(words[k], left + i * slot + (slot - metrics.stringWidth(words[k])) / 2, bottom + 15 + 13 * k);
            }
        }
        if (line >= 0) {
            int ly = bottom - (int) Math.round((bottom - top) * line / max);
            g.setColor(TARGET);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
            g.drawLine(left, ly, right, ly);
            g.setStroke(new BasicStroke());
        }
    }
}
