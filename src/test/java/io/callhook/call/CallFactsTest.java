package io.callhook.call;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CallFactsTest {

    @Test
    void durationReadsAsMinutesAndSecondsAndNamesHoursPastAnHour() {
        assertThat(CallFacts.duration(240)).isEqualTo("4m 0s");
        assertThat(CallFacts.duration(35)).isEqualTo("0m 35s");
        assertThat(CallFacts.duration(0)).isEqualTo("0m 0s");
        assertThat(CallFacts.duration(3725)).isEqualTo("1h 2m 5s");
        assertThat(CallFacts.duration(null)).isEqualTo(CallFacts.NONE);
    }

    @Test
    void outcomeFollowsCallSuccessfulWithNullAsUnknown() {
        assertThat(CallFacts.outcome(true)).isEqualTo("successful");
        assertThat(CallFacts.outcome(false)).isEqualTo("unsuccessful");
        assertThat(CallFacts.outcome(null)).isEqualTo("unknown");
    }

    @Test
    void customerWithoutNameIsNamedByPhoneThenAsUnknown() {
        Map<String, Object> data = new HashMap<>();
        data.put("customerName", null);
        data.put("customerPhone", "+1234567890");
        assertThat(CallFacts.of(data).customerName()).isEqualTo("+1234567890");

        data.remove("customerPhone");
        CallFacts facts = CallFacts.of(data);
        assertThat(facts.customerName()).isEqualTo("an unknown customer");
        assertThat(facts.customerPhone()).isEqualTo(CallFacts.NONE);
        assertThat(facts.outcomeTitle()).isEqualTo("Outcome unknown");
    }

    @Test
    void directionAndTokenCostReadNaturally() {
        CallFacts facts = CallFacts.of(Map.of(
                "deliveryId",
                "d",
                "event",
                "call.ended",
                "direction",
                "OUTBOUND",
                "tokenCost",
                new java.math.BigDecimal("12.500000")));
        assertThat(facts.direction()).isEqualTo("Outbound");
        assertThat(facts.tokenCost()).as("as the database gives it back").isEqualTo("12.5");
    }

    @Test
    void timesReadAsInstantsToTheSecond() {
        CallFacts facts = CallFacts.of(
                Map.of("startedAt", java.time.OffsetDateTime.parse("2026-04-05T16:00:00+02:00"), "endedAt", "later"));
        assertThat(facts.startedAt()).isEqualTo("2026-04-05T14:00:00Z");
        assertThat(facts.endedAt()).isEqualTo("later");
    }

    @Test
    void forPeopleACallReadsAsTheyWriteIt() {
        Presentation paris = new MessageProperties("https://ops.example.com/callhook/", "Europe/Paris").presentation();
        Map<String, Object> row = new HashMap<>();
        row.put("deliveryId", "evt 1/ä");
        row.put("customerName", "John Doe");
        row.put("customerPhone", "+1234567890");
        row.put("disconnectionReason", "agent_hangup");
        row.put("startedAt", java.time.OffsetDateTime.parse("2026-04-05T14:00:00Z"));
        row.put("endedAt", java.time.OffsetDateTime.parse("2026-12-05T14:04:00Z"));
        CallFacts facts = CallFacts.of(row, paris);
        assertThat(facts.customer()).isEqualTo("John Doe (+1234567890)");
        assertThat(facts.reason()).isEqualTo("Agent hung up");
        assertThat(facts.started()).as("summer time").isEqualTo("5 Apr 2026, 16:00 CEST");
        assertThat(facts.ended()).as("winter time").isEqualTo("5 Dec 2026, 15:04 CET");
        assertThat(facts.startedAt()).as("the machine's form stays").isEqualTo("2026-04-05T14:00:00Z");
        assertThat(facts.disconnectionReason()).isEqualTo("agent_hangup");
        assertThat(facts.link()).isEqualTo("https://ops.example.com/callhook/console/events/evt%201%2F%C3%A4");

        assertThat(CallFacts.of(row).started()).as("the default zone").isEqualTo("5 Apr 2026, 14:00 UTC");
        assertThat(CallFacts.of(row).link()).as("no console address, no link").isEmpty();

        row.remove("customerName");
        assertThat(CallFacts.of(row).customer()).as("the number alone").isEqualTo("+1234567890");
        row.remove("customerPhone");
        assertThat(CallFacts.of(row).customer()).isEqualTo("an unknown customer");
        row.put("customerName", "Jane Roe");
        assertThat(CallFacts.of(row).customer()).isEqualTo("Jane Roe");
    }

    @Test
    void aReasonTheDocDoesNotNameReadsAsItsWords() {
        assertThat(CallFacts.reason("customer_hangup")).isEqualTo("Customer hung up");
        assertThat(CallFacts.reason("IVR_TIMEOUT")).isEqualTo("Ivr timeout");
        assertThat(CallFacts.reason("max-duration")).isEqualTo("Max duration");
        assertThat(CallFacts.reason("___")).isEqualTo("___");
        assertThat(CallFacts.reason(null)).isEqualTo(CallFacts.NONE);
    }

    @Test
    void aConsoleAddressOrZoneThatCannotBeUsedStopsTheStartNamingTheSetting() {
        assertThat(new MessageProperties("http://10.0.0.5:8081", null)
                        .presentation()
                        .console())
                .isEqualTo("http://10.0.0.5:8081/console");
        assertThat(new MessageProperties("https://ops.example.com/console/", "UTC")
                        .presentation()
                        .console())
                .isEqualTo("https://ops.example.com/console");
        for (String bad : java.util.List.of(
                "ops.example.com", "ftp://ops.example.com", "https://user:pw@ops.example.com", "https://x/?a=1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MessageProperties(bad, "UTC"))
                    .as(bad)
                    .hasMessageStartingWith("CALLHOOK_CONSOLE_URL must be")
                    .hasMessageNotContaining("pw");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MessageProperties(null, "Mars/Olympus"))
                .hasMessageStartingWith("CALLHOOK_TIME_ZONE must be a time zone");
    }
}
