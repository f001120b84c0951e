package dev.ferry.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Lays out {@code --help} so that a line breaks only at a space: a configuration key
 * ({@code websocket.max-message-bytes}), a URL or a path is never cut in two, as picocli's own layout does at dots
 * and dashes. The command list shows each command's first description line, which is a whole sentence.
 */
final class HelpLayout {
    static final int WIDTH = 80;
    private static final int LEFT = 24;

    private HelpLayout() {
    }

    /** Installs this layout on {@code cl} and all its subcommands. */
    static void apply(CommandLine cl) {
        Map<String, CommandLine.IHelpSectionRenderer> sections = cl.getHelpSectionMap();
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION, help -> description(help.commandSpec()));
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, help -> parameters(help.commandSpec()));
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> options(help.commandSpec()));
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, help -> commands(help.commandSpec()));
        sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, help -> footer(help.commandSpec()));
        cl.setUsageHelpWidth(WIDTH);
        cl.getSubcommands().values().forEach(HelpLayout::apply);
    }

    private static String description(CommandSpec spec) {
        StringBuilder out = new StringBuilder();
        for (String line : spec.usageMessage().description()) {
            out.append(wrap("", line, 0, WIDTH));
        }
        return out.toString();
    }

    private static String parameters(CommandSpec spec) {
        StringBuilder out = new StringBuilder();
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                out.append(wrap("      " + p.paramLabel(), String.join(" ", p.description()), LEFT, WIDTH));
            }
        }
        return out.toString();
    }

    private static String options(CommandSpec spec) {
        List<OptionSpec> options = new ArrayList<>(spec.options());
        options.sort((a, b) -> a.shortestName().replaceFirst("^-+", "").compareToIgnoreCase(b.shortestName().replaceFirst("^-+", "")));
        StringBuilder out = new StringBuilder();
        for (OptionSpec o : options) {
            if (o.hidden()) {
                continue;
            }
            String[] names = o.names();
            String shortName = names.length > 1 || names[0].length() == 2 ? names[0] : null;
            String longName = names[names.length - 1].length() > 2 ? names[names.length - 1] : null;
            String left = "  " + (shortName != null ? shortName + (longName != null ? ", " : "") : "    ")
                    + (longName != null ? longName : "")
                    + (o.arity().max() > 0 ? "=" + o.paramLabel() : "");
            out.append(wrap(left, String.join(" ", o.description()), LEFT, WIDTH));
        }
        return out.toString();
    }

    /** The footer's lines as written ({@code %n} for a line break), a line longer than the width wrapped at spaces. */
    private static String footer(CommandSpec spec) {
        StringBuilder out = new StringBuilder();
        for (String element : spec.usageMessage().footer()) {
            for (String line : String.format(element).split("\\R", -1)) {
                out.append(line.length() <= WIDTH || line.startsWith(" ") ? line + "\n" : wrap("", line, 0, WIDTH));
            }
        }
        String text = out.toString();
        return text.endsWith("\n\n") ? text.substring(0, text.length() - 1) : text;
    }

    private static String commands(CommandSpec spec) {
        if (spec.subcommands().isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            String[] description = e.getValue().getCommandSpec().usageMessage().description();
            out.append(wrap("  " + e.getKey(), description.length == 0 ? "" : description[0], 12, WIDTH));
        }
        return out.toString();
    }

    /**
     * {@code left} padded to {@code indent}, then {@code text} filled up to {@code width}, continuation lines
     * indented by {@code indent}; lines break at spaces only, so a word longer than the room left stands whole.
     */
    static String wrap(String left, String text, int indent, int width) {
        StringBuilder out = new StringBuilder();
        StringBuilder line = new StringBuilder(left);
        if (line.length() + 2 > indent && !left.isEmpty()) {
            out.append(line).append('\n');
            line.setLength(0);
        }
        String pad = " ".repeat(indent);
        if (line.length() < indent) {
            line.append(" ".repeat(indent - line.length()));
        }
        boolean first = true;
        for (String word : text.split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!first && line.length() + 1 + word.length() > width) {
                out.append(line.toString().stripTrailing()).append('\n');
                line.setLength(0);
                line.append(pad).append(indent > 0 ? "  " : "");
                first = true;
            }
            if (!first) {
                line.append(' ');
            }
            line.append(word);
            first = false;
        }
        out.append(line.toString().stripTrailing()).append('\n');
        return out.toString();
    }
}
