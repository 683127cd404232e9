//! Tests of licence detection (short excerpts of the real texts) and SPDX expressions.

use super::*;

const GPL3_TITLE: &str = "                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.
";

const GPL_APPENDIX: &str = "
                     END OF TERMS AND CONDITIONS

            How to Apply These Terms to Your New Programs

    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.
";

#[test]
fn gnu_licences() {
    // The bare text grants that version only; its appendix template does not count.
    let full = format!("{GPL3_TITLE}{GPL_APPENDIX}");
    assert_eq!(detect_licence(&full), Some("GPL-3.0-only"));
    let header = "Copyright (C) 2024 Ville de Exemple\n\nThis program is free software: you can \
        redistribute it and/or modify it under the terms of the GNU General Public License as \
        published by the Free Software Foundation, either version 3 of the License, or (at \
        your option) any later version.\n\n";
    assert_eq!(
        detect_licence(&format!("{header}{full}")),
        Some("GPL-3.0-or-later")
    );
    let gpl2 = "GNU GENERAL PUBLIC LICENSE\n   Version 2, June 1991\n\n Copyright (C) 1989, 1991 \
        Free Software Foundation, Inc.,\n 51 Franklin Street, Fifth Floor, Boston, MA";
    assert_eq!(detect_licence(gpl2), Some("GPL-2.0-only"));
    let agpl = "                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       \
        Version 3, 19 November 2007\n\n Copyright (C) 2007 Free Software Foundation, Inc.\n\n\
        Preamble\n\n  The GNU Affero General Public License is a free, copyleft license for \
        software and other kinds of works, specifically designed to ensure cooperation with \
        the community in the case of network server software.";
    assert_eq!(detect_licence(agpl), Some("AGPL-3.0-only"));
    let agpl_header = "# Mon logiciel\n\nThis program is free software: you can redistribute \
        it and/or modify it under the terms of the GNU Affero General Public License as \
        published by the Free Software Foundation, either version 3 of the License, or\n(at \
        your option) any later version.";
    assert_eq!(detect_licence(agpl_header), Some("AGPL-3.0-or-later"));
    let lgpl21 = "                  GNU LESSER GENERAL PUBLIC LICENSE\n                       \
        Version 2.1, February 1999\n\n Copyright (C) 1991, 1999 Free Software Foundation, Inc.";
    assert_eq!(detect_licence(lgpl21), Some("LGPL-2.1-only"));
    let lgpl3 = "                   GNU LESSER GENERAL PUBLIC LICENSE\n                       \
        Version 3, 29 June 2007\n\n  This version of the GNU Lesser General Public License \
        incorporates the terms and conditions of version 3 of the GNU General Public License, \
        supplemented by the additional permissions listed below.";
    assert_eq!(detect_licence(lgpl3), Some("LGPL-3.0-only"));
}

#[test]
fn permissive_licences() {
    let mit = "MIT License\n\nCopyright (c) 2024 Commune de Exemple\n\nPermission is hereby \
        granted, free of charge, to any person obtaining a copy\nof this software and \
        associated documentation files (the \"Software\"), to deal\nin the Software without \
        restriction...\n\nThe above copyright notice and this permission notice shall be \
        included in all\ncopies or substantial portions of the Software.";
    assert_eq!(detect_licence(mit), Some("MIT"));
    let apache = "\n                                 Apache License\n                           \
        Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n\n   \
        TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION";
    assert_eq!(detect_licence(apache), Some("Apache-2.0"));
    let bsd = "Redistribution and use in source and binary forms, with or without\n\
        modification, are permitted provided that the following conditions are met:\n\n\
        1. Redistributions of source code must retain the above copyright notice, this\n   \
        list of conditions and the following disclaimer.\n";
    assert_eq!(detect_licence(bsd), Some("BSD-2-Clause"));
    let bsd3 = format!(
        "{bsd}3. Neither the name of the copyright holder nor the names of its\n   \
         contributors may be used to endorse or promote products derived from\n   this \
         software without specific prior written permission."
    );
    assert_eq!(detect_licence(&bsd3), Some("BSD-3-Clause"));
    let isc = "ISC License\n\nPermission to use, copy, modify, and/or distribute this software \
        for any\npurpose with or without fee is hereby granted, provided that the above\n\
        copyright notice and this permission notice appear in all copies.";
    assert_eq!(detect_licence(isc), Some("ISC"));
    let unlicense = "This is free and unencumbered software released into the public domain.\n\n\
        Anyone is free to copy, modify, publish, use, compile, sell, or\ndistribute this software";
    assert_eq!(detect_licence(unlicense), Some("Unlicense"));
    let cc0 = "Creative Commons Legal Code\n\nCC0 1.0 Universal\n\n    CREATIVE COMMONS \
        CORPORATION IS NOT A LAW FIRM AND DOES NOT PROVIDE\n    LEGAL SERVICES.";
    assert_eq!(detect_licence(cc0), Some("CC0-1.0"));
    let mpl = "Mozilla Public License Version 2.0\n==================================\n\n\
        1. Definitions\n--------------\n\n1.1. \"Contributor\"\n    means each individual or \
        legal entity that creates, contributes to\n    the creation of, or owns Covered Software.";
    assert_eq!(detect_licence(mpl), Some("MPL-2.0"));
}

#[test]
fn european_and_french_licences() {
    let eupl12 = "EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union 2007, 2016\n\n\
        This European Union Public Licence (the ‘EUPL’) applies to the Work (as defined \
        below) which is provided under the terms of this Licence.";
    assert_eq!(detect_licence(eupl12), Some("EUPL-1.2"));
    let eupl11 = "European Union Public Licence\nV. 1.1\n\nEUPL © the European Community \
        2007\n\nThis European Union Public Licence (the “EUPL”) applies to the Work or Software";
    assert_eq!(detect_licence(eupl11), Some("EUPL-1.1"));
    let eupl_fr = "LICENCE PUBLIQUE DE L'UNION EUROPÉENNE v. 1.2\nEUPL © Union européenne \
        2007, 2016\n\nLa présente licence publique de l'Union européenne (ci-après la «EUPL»)";
    assert_eq!(detect_licence(eupl_fr), Some("EUPL-1.2"));
    let cecill_fr = "\nCONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL\n\nVersion 2.1 du 2013-06-21\n\n\
        Avertissement\n\nCe contrat est une licence de logiciel libre issue d'une concertation \
        entre ses auteurs afin que le respect de deux grands principes préside à sa rédaction";
    assert_eq!(detect_licence(cecill_fr), Some("CeCILL-2.1"));
    let cecill_en = "\nCeCILL FREE SOFTWARE LICENSE AGREEMENT\n\nVersion 2.1 dated 2013-06-21\n\n\
        Notice\n\nThis Agreement is a Free Software license agreement that is the result of \
        discussions between its authors";
    assert_eq!(detect_licence(cecill_en), Some("CeCILL-2.1"));
    let cecill_b = "CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL-B\n\n\nAvertissement\n\nCe \
        contrat est une licence de logiciel libre issue d'une concertation entre ses auteurs \
        afin que le respect de deux grands principes préside à sa rédaction";
    assert_eq!(detect_licence(cecill_b), Some("CeCILL-B"));
    let cecill_b_en = "CeCILL-B FREE SOFTWARE LICENSE AGREEMENT\n\n\nNotice\n\nThis Agreement \
        is a Free Software license agreement that is the result of discussions";
    assert_eq!(detect_licence(cecill_b_en), Some("CeCILL-B"));
    let cecill_c = "CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL-C\n\n\nAvertissement\n\nCe \
        contrat est une licence de logiciel libre issue d'une concertation";
    assert_eq!(detect_licence(cecill_c), Some("CeCILL-C"));
    let cecill_c_en = "CeCILL-C FREE SOFTWARE LICENSE AGREEMENT\n\nNotice\n\nThis Agreement is \
        a Free Software license agreement";
    assert_eq!(detect_licence(cecill_c_en), Some("CeCILL-C"));
}

#[test]
fn unknown_texts() {
    assert_eq!(detect_licence(""), None);
    assert_eq!(
        detect_licence("Tous droits réservés. Reproduction interdite."),
        None
    );
    assert_eq!(
        detect_licence("See the GNU General Public License for details."),
        None
    );
}

#[test]
fn licence_file_names() {
    for name in [
        "LICENSE",
        "license",
        "LICENCE.md",
        "COPYING",
        "copying.txt",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "License.txt",
        "LICENCE_CeCILL",
        "COPYING.LESSER",
        "UNLICENSE",
    ] {
        assert!(is_licence_file(name), "{name}");
    }
    for name in [
        "README.md",
        "licenses",
        "LICENSE-",
        "src/LICENSE",
        "license-plate.rs",
        "LICENSES",
    ] {
        assert!(!is_licence_file(name), "{name}");
    }
}

#[test]
fn spdx_expressions() {
    for ok in [
        "MIT",
        "mit",
        "AGPL-3.0-or-later",
        "GPL-3.0",
        "EUPL-1.2",
        "CECILL-2.1",
        "CeCILL-B",
        "GPL-2.0+",
        "MIT OR Apache-2.0",
        "(MIT OR Apache-2.0) AND BSD-3-Clause",
        "GPL-2.0-or-later WITH Classpath-exception-2.0",
        "LicenseRef-Commune-Exemple",
        "Apache-2.0 or MIT",
    ] {
        assert!(is_spdx_expression(ok), "{ok}");
    }
    for bad in [
        "",
        "Invalid License",
        "MIT OR",
        "(MIT",
        "MIT)",
        "AND MIT",
        "GPL WITH",
        "MIT WITH MIT",
        "GPLv3",
        "LicenseRef-",
    ] {
        assert!(!is_spdx_expression(bad), "{bad}");
    }
    let deep = format!("{}MIT{}", "(".repeat(100), ")".repeat(100));
    assert!(!is_spdx_expression(&deep));
}
