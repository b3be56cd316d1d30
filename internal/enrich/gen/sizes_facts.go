package main

// Hand-written VM size facts that complete or correct the Resource SKUs
// snapshot. Each row was read on a Microsoft Learn size page (MicrosoftDocs
// azure-compute-docs articles/virtual-machines/sizes/gpu-accelerated/*.md,
// or the older azure-docs N-series pages for retired sizes), unless
// verified is false. gpus is written as in Learn: a fraction for partial
// GPUs. K80 and M60 are dual-GPU cards; a GPU here is one of the two GPUs
// (the older Learn tables: "1 GPU = one-half K80 card"); the newer NV page
// counts M60 cards (NV6 = 1/2), which is the same hardware.
type fact struct {
	size, gpus, model, family string
	vcpus                     int
	verified                  bool
	source                    string
}

var sizeFacts = []fact{
	// NC (K80), retired 2023. Learn sizes-gpu NC table; family from Usage API outputs.
	{"Standard_NC6", "1", "K80", "standardNCFamily", 6, true, "learn"},
	{"Standard_NC12", "2", "K80", "standardNCFamily", 12, true, "learn"},
	{"Standard_NC24", "4", "K80", "standardNCFamily", 24, true, "learn"},
	{"Standard_NC24r", "4", "K80", "standardNCFamily", 24, true, "learn"},
	// Promo sizes: same hardware as NC/NV; counts not read on a Learn page.
	{"Standard_NC6_Promo", "1", "K80", "standardNCPromoFamily", 6, false, "mamori"},
	{"Standard_NC12_Promo", "2", "K80", "standardNCPromoFamily", 12, false, "mamori"},
	{"Standard_NC24_Promo", "4", "K80", "standardNCPromoFamily", 24, false, "mamori"},
	{"Standard_NC24r_Promo", "4", "K80", "standardNCPromoFamily", 24, false, "mamori"},
	{"Standard_NV6_Promo", "1", "M60", "standardNVPromoFamily", 6, false, "mamori"},
	{"Standard_NV12_Promo", "2", "M60", "standardNVPromoFamily", 12, false, "mamori"},
	{"Standard_NV24_Promo", "4", "M60", "standardNVPromoFamily", 24, false, "mamori"},
	// NCv2 (P100), retired 2023: "1 GPU = one P100 card".
	{"Standard_NC6s_v2", "1", "P100", "standardNCSv2Family", 6, true, "learn"},
	{"Standard_NC12s_v2", "2", "P100", "standardNCSv2Family", 12, true, "learn"},
	{"Standard_NC24s_v2", "4", "P100", "standardNCSv2Family", 24, true, "learn"},
	{"Standard_NC24rs_v2", "4", "P100", "standardNCSv2Family", 24, true, "learn"},
	// ND (P40), retired 2023: nd-series.md.
	{"Standard_ND6s", "1", "P40", "standardNDSFamily", 6, true, "learn"},
	{"Standard_ND12s", "2", "P40", "standardNDSFamily", 12, true, "learn"},
	{"Standard_ND24s", "4", "P40", "standardNDSFamily", 24, true, "learn"},
	{"Standard_ND24rs", "4", "P40", "standardNDSFamily", 24, true, "learn"},
	// NV (M60), retired 2023: nv-series.md, counted per GPU (see above).
	{"Standard_NV6", "1", "M60", "standardNVFamily", 6, true, "learn"},
	{"Standard_NV12", "2", "M60", "standardNVFamily", 12, true, "learn"},
	{"Standard_NV24", "4", "M60", "standardNVFamily", 24, true, "learn"},
	// NVv4 (MI25 partitions): nvv4-series.md; the SKU API says 1 for all.
	{"Standard_NV4as_v4", "1/8", "MI25", "standardNVSv4Family", 4, true, "learn+skus"},
	{"Standard_NV8as_v4", "1/4", "MI25", "standardNVSv4Family", 8, true, "learn+skus"},
	{"Standard_NV16as_v4", "1/2", "MI25", "standardNVSv4Family", 16, true, "learn+skus"},
	{"Standard_NV32as_v4", "1", "MI25", "standardNVSv4Family", 32, true, "learn+skus"},
	// NVadsA10 v5 (A10 partitions): nvadsa10v5-series.md.
	{"Standard_NV6ads_A10_v5", "1/6", "A10", "StandardNVADSA10v5Family", 6, true, "learn+skus"},
	{"Standard_NV12ads_A10_v5", "1/3", "A10", "StandardNVADSA10v5Family", 12, true, "learn+skus"},
	{"Standard_NV18ads_A10_v5", "1/2", "A10", "StandardNVADSA10v5Family", 18, true, "learn+skus"},
	{"Standard_NV36ads_A10_v5", "1", "A10", "StandardNVADSA10v5Family", 36, true, "learn+skus"},
	{"Standard_NV36adms_A10_v5", "1", "A10", "StandardNVADSA10v5Family", 36, true, "learn+skus"},
	{"Standard_NV72ads_A10_v5", "2", "A10", "StandardNVADSA10v5Family", 72, true, "learn+skus"},
	// NGads V620: ngadsv620-series.md; the SKU API gives no GPU count.
	{"Standard_NG8ads_V620_v1", "1/4", "Radeon PRO V620", "StandardNGADSV620v1Family", 8, true, "learn+skus"},
	{"Standard_NG16ads_V620_v1", "1/2", "Radeon PRO V620", "StandardNGADSV620v1Family", 16, true, "learn+skus"},
	{"Standard_NG32ads_V620_v1", "1", "Radeon PRO V620", "StandardNGADSV620v1Family", 32, true, "learn+skus"},
	{"Standard_NG32adms_V620_v1", "1", "Radeon PRO V620", "StandardNGADSV620v1Family", 32, true, "learn+skus"},
	// NVads V710 v5: nvadsv710-v5-series.md.
	{"Standard_NV4ads_V710_v5", "1/6", "Radeon Pro V710", "StandardNVadsV710v5Family", 4, true, "learn+skus"},
	{"Standard_NV8ads_V710_v5", "1/3", "Radeon Pro V710", "StandardNVadsV710v5Family", 8, true, "learn+skus"},
	{"Standard_NV12ads_V710_v5", "1/2", "Radeon Pro V710", "StandardNVadsV710v5Family", 12, true, "learn+skus"},
	{"Standard_NV24ads_V710_v5", "1", "Radeon Pro V710", "StandardNVadsV710v5Family", 24, true, "learn+skus"},
	{"Standard_NV28adms_V710_v5", "1", "Radeon Pro V710", "StandardNVadsV710v5Family", 28, true, "learn+skus"},
	// ND GB200 v6 and GB300 v6: 4 Blackwell GPUs each (nd-gb200/gb300-v6-series.md).
	{"Standard_ND128isr_NDR_GB200_v6", "4", "GB200", "standardNDISRGB200V6NDRFamily", 128, true, "learn+skus"},
	{"Standard_ND128isr_GB300_v6", "4", "GB300", "standardNDISRGB300V6Family", 128, true, "learn+skus"},
	{"Standard_ND128isrG5_GB300_v6", "4", "GB300", "standardNDISRGB300V6Family", 128, false, "learn"},
	// ND MI300X v5: ndmi300xv5-series.md lists the isr size; the is size is
	// in the SKU API without a GPU count.
	{"Standard_ND96isr_MI300X_v5", "8", "MI300X", "standardNDISv5MI300XFamily", 96, true, "learn+skus"},
	{"Standard_ND96is_MI300X_v5", "8", "MI300X", "standardNDISv5MI300XFamily", 96, false, "skus"},
	// NC A10 v4: in the SKU API (1, 1, 2 GPUs); no Learn page found to
	// confirm whether the smaller sizes hold whole or partial A10s.
	{"Standard_NC8ads_A10_v4", "1", "A10", "StandardNCADSA10v4Family", 8, false, "skus"},
	{"Standard_NC16ads_A10_v4", "1", "A10", "StandardNCADSA10v4Family", 16, false, "skus"},
	{"Standard_NC32ads_A10_v4", "2", "A10", "StandardNCADSA10v4Family", 32, false, "skus"},
	// NC RTX PRO 6000 BSE v6 as the current Learn page names them; family
	// assumed the same as the SKU API's sizes of the series.
	{"Standard_NC128ds_xl_RTXPRO6000BSE_v6", "1", "RTX PRO 6000 Blackwell", "StandardNCdsRTXPRO6000BSEv6XLFamily", 128, false, "learn"},
	{"Standard_NC256ds_xl_RTXPRO6000BSE_v6", "2", "RTX PRO 6000 Blackwell", "StandardNCdsRTXPRO6000BSEv6XLFamily", 256, false, "learn"},
	{"Standard_NC320ds_xl_RTXPRO6000BSE_v6", "2", "RTX PRO 6000 Blackwell", "StandardNCdsRTXPRO6000BSEv6XLFamily", 320, false, "learn"},
	{"Standard_NC128lds_xl_RTXPRO6000BSE_v6", "1", "RTX PRO 6000 Blackwell", "StandardNCdsRTXPRO6000BSEv6XLFamily", 128, false, "learn"},
	{"Standard_NC256lds_xl_RTXPRO6000BSE_v6", "2", "RTX PRO 6000 Blackwell", "StandardNCdsRTXPRO6000BSEv6XLFamily", 256, false, "learn"},
	{"Standard_NC320lds_xl_RTXPRO6000BSE_v6", "2", "RTX PRO 6000 Blackwell", "StandardNCdsRTXPRO6000BSEv6XLFamily", 320, false, "learn"},
	// HB (first generation, retired): sizes-hpc HB table; family from the Quota API example.
	{"Standard_HB60rs", "0", "", "standardHBSFamily", 60, true, "learn"},
	// Sizes under 2 vCPUs, which the AKS-filtered snapshot leaves out.
	{"Standard_B1ls", "0", "", "standardBSFamily", 1, false, "mamori"},
	{"Standard_B1s", "0", "", "standardBSFamily", 1, false, "mamori"},
	{"Standard_B1ms", "0", "", "standardBSFamily", 1, false, "mamori"},
	{"Standard_F1", "0", "", "standardFFamily", 1, false, "mamori"},
	{"Standard_F1s", "0", "", "standardFSFamily", 1, false, "mamori"},
	{"Standard_D1_v2", "0", "", "standardDv2Family", 1, false, "mamori"},
	{"Standard_DS1_v2", "0", "", "standardDSv2Family", 1, false, "mamori"},
	{"Standard_A1_v2", "0", "", "standardAv2Family", 1, false, "mamori"},
}

// gpuFamilies names the GPU of each SKU family whose whole-GPU counts in
// the SKU snapshot were checked against a Learn page (verified), and of
// those checked nowhere else (unverified).
var gpuFamilies = map[string]struct {
	model    string
	verified bool
}{
	"standardNCSv3Family":                 {"V100", true}, // ncv3-series.md
	"Standard NCASv3_T4 Family":           {"T4", true},   // ncast4v3-series.md
	"StandardNCADSA100v4Family":           {"A100", true}, // nca100v4-series.md
	"StandardNCadsH100v5Family":           {"H100", true}, // ncadsh100v5-series.md
	"StandardNCCads2023Family":            {"H100", true}, // nccadsh100v5-series.md
	"standardNDSv2Family":                 {"V100", true}, // ndv2-series.md summary: 8 V100
	"Standard NDASv4_A100 Family":         {"A100", true}, // ndasra100v4-series.md
	"standard NDAMSv4_A100Family":         {"A100", true}, // ndma100v4-series.md
	"standardNDSH100v5Family":             {"H100", true}, // ndh100v5-series.md
	"standardNDISRH200V5Family":           {"H200", true}, // nd-h200-v5-series.md
	"standardNVSv2Family":                 {"M60", false}, // retired, no current page
	"standardNVSv3Family":                 {"M60", true},  // nvv3-series.md
	"StandardNCdsRTXPRO6000BSEv6XLFamily": {"RTX PRO 6000 Blackwell", false},
}

// fpgaFamilies hold FPGAs the SKU API counts as GPUs: kept with gpus 0.
var fpgaFamilies = map[string]bool{"standardNPSFamily": true}
